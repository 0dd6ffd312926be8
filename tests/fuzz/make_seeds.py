#!/usr/bin/env python3
"""Writes the checked-in seed corpora (tests/fuzz/corpus/<target>/): for every target a few valid
inputs and a few broken ones, each named for what it is. Images come from libvips' command line
(`vips`), DICOM files from DCMTK's (`dump2dcm`, `dcmcjpeg`, `dcmcrle`), both in scripts/install-deps.
Run it again after changing a harness's input format; crash reproducers added by hand stay put."""
import base64
import hashlib
import hmac
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    """Text seeds are written byte for byte: "\xff" is the byte 0xFF, not its UTF-8 encoding."""
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("latin-1") if isinstance(data, str) else data)


def crlf(text):
    return text.replace("\n", "\r\n")


def b64url(data):
    return base64.urlsafe_b64encode(data if isinstance(data, bytes) else data.encode()).rstrip(b"=").decode()


# --- HTTP ------------------------------------------------------------------------------------------
HTTP = {
    "get_health": crlf("GET /health HTTP/1.1\nHost: a\n\n"),
    "get_result_query": crlf("GET /api/results/r-123?limit=5&cursor=ab%20c HTTP/1.1\nHost: a\n"
                             "X-Request-Id: req-1.2:3\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n\n"),
    "post_json": crlf("POST /api/model/infer HTTP/1.1\nHost: a\nContent-Type: application/json\nContent-Length: 15\n\n") + '{"question":"x"}'[:15],
    "post_chunked": crlf("POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nContent-Type: text/plain\n\n5\nhello\n6;ext=1\n world\n0\nTrailer: x\n\n"),
    "pipelined": crlf("GET /health HTTP/1.1\nHost: a\n\nGET /console/a/b/c.js HTTP/1.1\nHost: a\nConnection: close\n\n"),
    "expect_continue": crlf("POST /echo HTTP/1.1\nHost: a\nExpect: 100-continue\nContent-Length: 3\n\n") + "abc",
    "stream": crlf("GET /stream HTTP/1.1\nHost: a\n\n"),
    "upload": crlf("POST /upload HTTP/1.1\nHost: a\nContent-Type: multipart/form-data; boundary=XyZ\nContent-Length: 112\n\n")
    + crlf('--XyZ\nContent-Disposition: form-data; name="image"; filename="a.png"\nContent-Type: image/png\n\nPNG\n--XyZ--\n'),
    "http10_keepalive": crlf("GET /health HTTP/1.0\nConnection: keep-alive\n\n"),
    # broken or hostile
    "bad_duplicate_content_length": crlf("POST /echo HTTP/1.1\nHost: a\nContent-Length: 3\nContent-Length: 4\n\nabcd"),
    "bad_cl_and_te": crlf("POST /echo HTTP/1.1\nHost: a\nContent-Length: 4\nTransfer-Encoding: chunked\n\n0\n\n"),
    "bad_request_line": "GE T / HTTP/1.1\r\n\r\n",
    "bad_absolute_target": crlf("GET http://evil/ HTTP/1.1\nHost: a\n\n"),
    "bad_traversal": crlf("GET /console/..%2f..%2fetc/passwd HTTP/1.1\nHost: a\n\n"),
    "bad_chunk_size": crlf("POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nfffffffffffffffff\nx\n0\n\n"),
    "bad_method_not_allowed": crlf("DELETE /health HTTP/1.1\nHost: a\n\n"),
    "bad_wrong_media_type": crlf("POST /upload HTTP/1.1\nHost: a\nContent-Type: text/html\nContent-Length: 2\n\nhi"),
    "bad_truncated_head": "GET /health HTTP/1.1\r\nHost: a\r\nX-A: ",
    "bad_invalid_utf8_path": crlf("GET /api/results/%ff%fe%00 HTTP/1.1\nHost: a\nX-Request-Id: \x7f\xff\n\n"),
}
for name, text in HTTP.items():
    write("fuzz_http_server", name, text)
    write("fuzz_http_request", name, "\x07" + text)  # first byte: read size

# --- multipart -------------------------------------------------------------------------------------
PARTS = crlf('--b0undary\nContent-Disposition: form-data; name="question"\n\nWhat is this?\n'
             '--b0undary\nContent-Disposition: form-data; name="image"; filename="x.png"\nContent-Type: image/png\n\n\x89PNG\n'
             '--b0undary--\n')
MULTIPART = {
    "two_parts": "multipart/form-data; boundary=b0undary\n" + PARTS,
    "quoted_boundary": 'multipart/form-data; charset=utf-8; boundary="b0undary"\n' + PARTS,
    "escaped_filename": "multipart/form-data; boundary=zz\n"
    + crlf('--zz\nContent-Disposition: form-data; name="file"; filename="a\\"b.jpg"\n\n123\n--zz--\n'),
    "bad_no_boundary": "multipart/form-data\n" + PARTS,
    "bad_truncated": "multipart/form-data; boundary=b0undary\n" + PARTS[:70],
    "bad_no_disposition": "multipart/form-data; boundary=q\n" + crlf("--q\nContent-Type: a\n\nx\n--q--\n"),
    "bad_header_line": "multipart/form-data; boundary=q\n" + crlf("--q\n: nameless\n\nx\n--q--\n"),
    "bad_lf_only": "multipart/form-data; boundary=b0undary\n" + PARTS.replace("\r\n", "\n"),
}
for name, text in MULTIPART.items():
    write("fuzz_multipart", name, text)

# --- model requests --------------------------------------------------------------------------------
PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc00000030101009a0b7e7d0000000049454e44ae426082")).decode()
SCHEMA = {"type": "object", "properties": {"label": {"type": "string", "maxLength": 20},
                                           "score": {"type": "number", "minimum": 0, "maximum": 1},
                                           "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}, "maxItems": 3}},
          "required": ["label"], "$defs": {"tag": {"enum": ["a", "b", None]}}}
MODEL = {
    "infer": "infer\n" + json.dumps({"image": PNG_1PX, "question": "What is it?", "max_tokens": 64, "temperature": 0.2,
                                     "top_p": 0.9, "top_k": 40, "seed": 7, "stop": ["\n\n"], "json_schema": SCHEMA}),
    "infer_data_uri": "infer\n" + json.dumps({"image_url": "data:image/png;base64," + PNG_1PX, "question": "q"}),
    "chat": "chat\n" + json.dumps({"model": "qwen", "stream": True, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Describe"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64," + PNG_1PX}}]}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMA}}}),
    "chat_json_object": "chat\n" + json.dumps({"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"},
                                               "max_completion_tokens": 5, "n": 1}),
    "multipart": "multipart/form-data; boundary=m\n" + crlf(
        '--m\nContent-Disposition: form-data; name="image"; filename="a.png"\n\n\x89PNG\n'
        '--m\nContent-Disposition: form-data; name="question"\n\nwhat?\n'
        '--m\nContent-Disposition: form-data; name="max_tokens"\n\n12\n'
        '--m\nContent-Disposition: form-data; name="json_schema"\n\n{"type":"string"}\n--m--\n'),
    "bad_json": "infer\n{\"image\": \"AAAA\", \"question\": ",
    "bad_types": "infer\n" + json.dumps({"image": 5, "question": ["x"], "max_tokens": "9"}),
    "bad_huge_numbers": "chat\n" + json.dumps({"messages": [{"role": "user", "content": "x"}], "max_tokens": 10**30, "seed": -1,
                                               "temperature": 1e308}),
    "bad_schema": "chat\n" + json.dumps({"messages": [{"role": "user", "content": "x"}],
                                         "response_format": {"type": "json_schema", "json_schema": {"schema": {"$ref": "#"}}}}),
    "bad_role": "chat\n" + json.dumps({"messages": [{"role": "tool", "content": "x"}]}),
    "bad_deep": "infer\n" + "[" * 200 + "]" * 200,
}
for name, text in MODEL.items():
    write("fuzz_model_request", name, text)

# --- business requests -----------------------------------------------------------------------------
BUSINESS = {
    "task_json": "task application/json\n" + json.dumps({"image": PNG_1PX, "caller_reference": "sku-1", "metadata": {"shop": "a", "n": [1, 2]},
                                                         "question": "Is it damaged?"}),
    "task_multipart": "task multipart/form-data; boundary=t\n" + crlf(
        '--t\nContent-Disposition: form-data; name="file"; filename="a.png"\n\n\x89PNG\n'
        '--t\nContent-Disposition: form-data; name="metadata"\n\n{"a":1}\n'
        '--t\nContent-Disposition: form-data; name="caller_reference"\n\nref\n--t--\n'),
    "jobs_json": "jobs application/json\n" + json.dumps({"task": "product_analysis", "urls": ["https://images.example.com/a.jpg",
                                                                                             "http://x.cdn.example.net/b.png"],
                                                         "webhook_url": "https://hooks.example.com/done", "metadata": {}}),
    "jobs_multipart": "jobs multipart/form-data; boundary=j\n" + crlf(
        '--j\nContent-Disposition: form-data; name="task"\n\nmedical_analysis\n'
        '--j\nContent-Disposition: form-data; name="image"; filename="x.dcm"\n\nDICM\n--j--\n'),
    "bad_task_media_type": "task text/plain\nhello",
    "bad_jobs_ssrf": "jobs application/json\n" + json.dumps({"task": "product_review", "urls": ["http://127.0.0.1:6379/", "file:///etc/passwd"]}),
    "bad_jobs_webhook": "jobs application/json\n" + json.dumps({"task": "product_review", "urls": ["https://images.example.com/a"],
                                                                "webhook_url": "http://user:pw@hooks.example.com@10.0.0.1/"}),
    "bad_metadata": "task application/json\n" + json.dumps({"image": PNG_1PX, "metadata": [1]}),
    "bad_base64": "task application/json\n" + json.dumps({"image": "iVBOR===w0KGgo"}),
    # A fuzzing finding: form fields skipped the UTF-8 rule JSON strings obey (tests/services/task_input_test.cpp).
    "bad_utf8_form_field": "task multipart/form-data; boundary=t\n" + crlf(
        '--t\nContent-Disposition: form-data; name="file"; filename="a.png"\n\n\x89PNG\n'
        '--t\nContent-Disposition: form-data; name="caller_reference"\n\nr\xffef\n--t--\n'),
}
for name, text in BUSINESS.items():
    write("fuzz_business_request", name, text)

# --- base64 / data URIs ----------------------------------------------------------------------------
BASE64 = {
    "padded": "aGVsbG8gd29ybGQ=",
    "unpadded_urlsafe": "-_-_aGk",
    "wrapped_mime": "aGVs\r\nbG8g\r\nd29y bGQh\n",
    "data_uri_base64": "  data:image/png;base64," + PNG_1PX + "\n",
    "data_uri_percent": "data:,hello%20world%21",
    "data_uri_params": "DATA:Image/PNG;name=a.png;BASE64,iVBORw0KGgo=",
    "bad_character": "aGVs*G8=",
    "bad_data_after_padding": "aGk=aGk=",
    "bad_single_char": "aGVsb",
    "bad_percent": "data:text/plain,%zz",
    "bad_no_comma": "data:image/png;base64",
}
for name, text in BASE64.items():
    write("fuzz_base64", name, text)

# --- config ----------------------------------------------------------------------------------------
for example in sorted((HERE.parent.parent / "config").glob("*.example.yaml")):
    write("fuzz_config", example.stem.replace(".example", "") + "_example", example.read_bytes())
CONFIG = {
    "placeholders": "#set model.server.port=9001\nlog:\n  level: ${LOG_LEVEL:debug}\n  format: json\ndiag:\n  server:\n"
                    "    port: ${MODEL_PORT}\n    max_body_bytes: 2MiB\n    header_timeout: 5s\n",
    "gateway_routes": "gateway:\n  routes:\n    - name: model\n      prefix: /api/model/\n      upstream: model\n      rewrite: /\n"
                      "      methods: [POST]\n      timeout: 30s\n  upstreams:\n    model:\n      instances: [\"127.0.0.1:8081\"]\n",
    "bad_unknown_key": "diag:\n  server:\n    prot: 80\n",
    "bad_types": "diag:\n  server:\n    port: [1]\n    max_body_bytes: lots\n    io_threads: -3\n",
    "bad_placeholder": "log:\n  level: ${UNSET_VARIABLE}\n",
    "bad_yaml": "log: [\n  level: {",
    "bad_anchor": "a: &x {b: *x}\n",
}
for name, text in CONFIG.items():
    write("fuzz_config", name, text)

# --- Prometheus text ------------------------------------------------------------------------------
PROM = {
    "exposition": '# HELP http_requests_total Requests.\\nSecond line \\\\ done\n# TYPE http_requests_total counter\n'
                  'http_requests_total{method="post",code="200"} 1027 1395066363000\n'
                  'http_requests_total{method="get",code="400",path="a\\"b\\\\c\\nd"} 3\n'
                  '# TYPE latency histogram\nlatency_bucket{le="0.1"} 1\nlatency_bucket{le="+Inf"} 2\nlatency_sum 0.3\nlatency_count 2\n'
                  '# TYPE q summary\nq{quantile="0.5"} NaN\nq_sum -Inf\nq_count +Inf\n# a comment\nup 1\n',
    "empty_labels": "metric_without_labels{} 4.5e-3\n\n",
    "bad_label": 'm{a="unterminated} 1\n',
    "bad_value": "m 12abc\n",
    "bad_duplicate_label": 'm{a="1",a="2"} 1\n',
    "bad_type": "# TYPE m sometimes\nm 1\n",
}
for name, text in PROM.items():
    write("fuzz_prometheus_text", name, text)

# --- JWT -------------------------------------------------------------------------------------------
SECRET = b"fuzzing-secret-fuzzing-secret-0123456789"  # the harness's HS256 key


def hs256(header, payload, secret=SECRET):
    signing = b64url(json.dumps(header)) + "." + b64url(json.dumps(payload))
    return signing + "." + b64url(hmac.new(secret, signing.encode(), hashlib.sha256).digest())


GOOD = {"sub": "alice", "iss": "https://issuer.example.com", "aud": ["api"], "exp": 1893456000, "nbf": 1700000000, "scope": "read write"}
JWT = {
    "token_valid": "token\n" + hs256({"alg": "HS256", "typ": "JWT"}, GOOD),
    "token_kid": "token\n" + hs256({"alg": "HS256", "kid": "hs"}, dict(GOOD, scp=["a", "b"])),
    "signed_valid": "signed\n" + json.dumps({"alg": "HS256"}) + "\n" + json.dumps(GOOD),
    "signed_expired": "signed\n" + json.dumps({"alg": "HS256"}) + "\n" + json.dumps(dict(GOOD, exp=1600000000)),
    "signed_wrong_audience": "signed\n" + json.dumps({"alg": "HS256"}) + "\n" + json.dumps(dict(GOOD, aud="other")),
    "signed_huge_dates": "signed\n" + json.dumps({"alg": "HS256"}) + "\n" + json.dumps(dict(GOOD, exp=1e300, nbf=-1e300)),
    "bad_alg_none": "token\n" + b64url('{"alg":"none"}') + "." + b64url(json.dumps(GOOD)) + ".",
    "bad_confusion": "token\n" + hs256({"alg": "HS256", "kid": "rs"}, GOOD),
    "bad_forged": "token\n" + hs256({"alg": "HS256"}, GOOD, secret=b"x" * 40),
    "bad_segments": "token\na.b.c.d",
    "bad_base64": "token\n" + "eyJ=.e30.AA",
    "bad_crit": "signed\n" + json.dumps({"alg": "HS256", "crit": ["exp"]}) + "\n" + json.dumps(GOOD),
}
for name, text in JWT.items():
    write("fuzz_jwt", name, text)


# --- images ----------------------------------------------------------------------------------------
def run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def images(work):
    # A 6x4 gradient with an alpha band, saved in every accepted format, small.
    run("vips", "xyz", "xyz.v", "6", "4", cwd=work)
    run("vips", "bandjoin", "xyz.v xyz.v xyz.v xyz.v", "rgba.v", cwd=work)
    run("vips", "cast", "rgba.v", "rgba8.v", "uchar", cwd=work)
    run("vips", "extract_band", "rgba8.v", "rgb8.v", "0", "--n", "3", cwd=work)
    outputs = {"png_rgba.png": "rgba8.v", "jpeg.jpg": "rgb8.v", "webp.webp": "rgba8.v", "gif.gif": "rgb8.v",
               "tiff.tif": "rgb8.v", "bmp.bmp": "rgb8.v"}
    for out, src in outputs.items():
        try:
            run("vips", "copy", src, out, cwd=work)
        except subprocess.CalledProcessError:
            print(f"make_seeds: vips cannot write {out}; skipped", file=sys.stderr)
            continue
        data = (work / out).read_bytes()
        write("fuzz_image_decode", out, data)
        write("fuzz_image_decode", "bad_truncated_" + out, data[: len(data) * 2 // 3])
    run("vips", "cast", "xyz.v", "xyz16.v", "ushort", cwd=work)
    run("vips", "copy", "xyz16.v", "grey16.png[bitdepth=16]", cwd=work)
    write("fuzz_image_decode", "png_grey_alpha16.png", (work / "grey16.png").read_bytes())
    # A PNG header claiming 100000 x 100000 pixels: the bomb guard refuses it before decoding.
    png = bytearray((work / "png_rgba.png").read_bytes()) if (work / "png_rgba.png").exists() else None
    if png:
        png[16:24] = (100000).to_bytes(4, "big") * 2
        write("fuzz_image_decode", "bad_bomb_header.png", bytes(png))
    write("fuzz_image_decode", "bad_svg.png", '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
    write("fuzz_image_decode", "bad_html", "<!DOCTYPE html><html><img src=x></html>")


DICOM_DUMP = """(0002,0001) OB 00\\01
(0002,0002) UI =SecondaryCaptureImageStorage
(0002,0003) UI [1.2.3.4.5.6.7.8]
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.3.4.5.6.7.8]
(0008,0060) CS [OT]
(0018,0015) CS [CHEST]
(0028,0002) US {samples}
(0028,0004) CS [{photometric}]
(0028,0010) US 4
(0028,0011) US 4
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
{extra}(7fe0,0010) OB {pixels}
"""


def dicom(work):
    mono = "\\".join(f"{v:02x}" for v in range(0, 256, 16))
    rgb = "\\".join(f"{v:02x}" for v in range(48))
    files = {
        "mono_window.dcm": DICOM_DUMP.format(samples=1, photometric="MONOCHROME2", pixels=mono,
                                             extra="(0028,1050) DS [128]\n(0028,1051) DS [256]\n"),
        "mono1_rescale.dcm": DICOM_DUMP.format(samples=1, photometric="MONOCHROME1", pixels=mono,
                                               extra="(0028,1052) DS [-1024]\n(0028,1053) DS [2]\n"),
        "rgb.dcm": DICOM_DUMP.format(samples=3, photometric="RGB", pixels=rgb, extra="(0028,0006) US 0\n"),
    }
    for name, dump in files.items():
        (work / (name + ".txt")).write_text(dump)
        run("dump2dcm", name + ".txt", name, cwd=work)
        data = (work / name).read_bytes()
        write("fuzz_dicom", name, data)
    write("fuzz_dicom", "bad_truncated.dcm", (work / "mono_window.dcm").read_bytes()[:300])
    no_pixels = DICOM_DUMP.format(samples=1, photometric="MONOCHROME2", pixels="00", extra="").replace("(7fe0,0010) OB 00\n", "")
    (work / "nopix.txt").write_text(no_pixels)
    run("dump2dcm", "nopix.txt", "nopix.dcm", cwd=work)
    write("fuzz_dicom", "bad_no_pixel_data.dcm", (work / "nopix.dcm").read_bytes())
    # The dataset alone, without preamble and meta header (looks_like_dicom's second case).
    run("dump2dcm", "-F", "+te", "mono_window.dcm.txt", "bare.dcm", cwd=work)
    write("fuzz_dicom", "bare_dataset.dcm", (work / "bare.dcm").read_bytes())
    for tool, out in (("dcmcjpeg", "jpeg_lossless.dcm"), ("dcmcrle", "rle.dcm")):
        if shutil.which(tool):
            run(tool, "mono_window.dcm", out, cwd=work)
            write("fuzz_dicom", out, (work / out).read_bytes())


with tempfile.TemporaryDirectory() as tmp:
    images(pathlib.Path(tmp))
    dicom(pathlib.Path(tmp))
print("make_seeds: wrote", sum(1 for _ in CORPUS.rglob("*") if _.is_file()), "seeds under", CORPUS)
