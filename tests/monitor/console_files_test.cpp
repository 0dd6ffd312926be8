#include "services/monitor/console_files.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace vg::services::monitor {
namespace {

namespace fs = std::filesystem;

// A temporary directory tree, removed afterwards.
class TempTree {
public:
    TempTree() {
        std::string pattern = (fs::temp_directory_path() / "vg-console-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        root_ = pattern;
    }
    ~TempTree() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    fs::path write(const std::string& relative, const std::string& content) const {
        const fs::path path = root_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    const fs::path& root() const { return root_; }

private:
    fs::path root_;
};

net::Request get(const std::string& if_none_match = "") {
    net::Request request;
    request.method = "GET";
    request.request_id = "r1";
    if (!if_none_match.empty()) request.headers.set("If-None-Match", if_none_match);
    return request;
}

std::string code(const net::Response& response) {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

class ConsoleFilesTest : public ::testing::Test {
protected:
    ConsoleFilesTest() : files_(tree_.root() / "console") {
        tree_.write("console/index.html", "<!doctype html><title>dash</title>");
        tree_.write("console/js/app.js", "console.log(1)");
        tree_.write("console/try/index.html", "try");
        tree_.write("secret.txt", "outside");
        fs::create_symlink(tree_.root() / "secret.txt", tree_.root() / "console" / "link.txt");
    }

    TempTree tree_;
    ConsoleFiles files_;
};

TEST_F(ConsoleFilesTest, ServesIndexForTheRootWithTypeAndCaching) {
    const auto response = files_.serve("", get());
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "<!doctype html><title>dash</title>");
    EXPECT_EQ(response.headers.get_or("Content-Type", ""), "text/html; charset=utf-8");
    EXPECT_EQ(response.headers.get_or("Cache-Control", ""), "no-cache");
    EXPECT_FALSE(response.headers.get_or("ETag", "").empty());
    EXPECT_EQ(files_.serve("try/", get()).body, "try");
}

TEST_F(ConsoleFilesTest, ServesFilesBelowTheRoot) {
    const auto response = files_.serve("js/app.js", get());
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "console.log(1)");
    EXPECT_EQ(response.headers.get_or("Content-Type", ""), "text/javascript; charset=utf-8");
}

TEST_F(ConsoleFilesTest, AnswersNotModifiedForAKnownETag) {
    const std::string etag(files_.serve("js/app.js", get()).headers.get_or("ETag", ""));
    const auto response = files_.serve("js/app.js", get(etag));
    EXPECT_EQ(response.status, 304);
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(files_.serve("js/app.js", get("\"other\"")).status, 200);
    tree_.write("console/js/app.js", "console.log(2)");
    EXPECT_EQ(files_.serve("js/app.js", get(etag)).status, 200) << "the content changed, so did the ETag";
}

TEST_F(ConsoleFilesTest, RefusesTraversal) {
    for (const char* path : {"../secret.txt", "js/../../secret.txt", "..", "./index.html", "js\\app.js"}) {
        const auto response = files_.serve(path, get());
        EXPECT_EQ(response.status, 400) << path;
        EXPECT_EQ(code(response), "invalid_path") << path;
    }
    EXPECT_EQ(files_.serve("link.txt", get()).status, 404) << "a symlink leading out of the root";
    EXPECT_EQ(files_.serve(std::string("index.html\0x", 12), get()).status, 400);
}

TEST_F(ConsoleFilesTest, MissingFilesAre404) {
    EXPECT_EQ(files_.serve("nope.css", get()).status, 404);
    EXPECT_EQ(files_.serve("js", get()).status, 404) << "a directory without a slash";
    ConsoleFiles none(tree_.root() / "absent");
    EXPECT_FALSE(none.available());
    EXPECT_EQ(code(none.serve("", get())), "console_not_found");
}

TEST(FindConsoleDirTest, ConfiguredThenInstalledThenTheRepository) {
    TempTree tree;
    EXPECT_EQ(find_console_dir("/srv/console", "/usr/bin/visiongrid"), "/srv/console");
    tree.write("usr/bin/visiongrid", "");
    tree.write("usr/share/visiongrid/console/index.html", "x");
    EXPECT_EQ(find_console_dir("", tree.root() / "usr/bin/visiongrid"),
              fs::canonical(tree.root() / "usr/share/visiongrid/console"));
    tree.write("repo/web/console/index.html", "x");
    EXPECT_EQ(find_console_dir("", tree.root() / "repo/build/src/app/visiongrid"), tree.root() / "repo/web/console");
}

TEST(ContentTypeTest, ByExtension) {
    EXPECT_EQ(content_type_for("a/style.css"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("logo.SVG"), "image/svg+xml");
    EXPECT_EQ(content_type_for("data.json"), "application/json");
    EXPECT_EQ(content_type_for("blob.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace vg::services::monitor
