void vg_test_support_anchor() {}
