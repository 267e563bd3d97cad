// node-fetch 2 uses whatwg-url only where Node has no URL class (`Url.URL || whatwgUrl.URL`);
// every Node the toolkit runs on has one, so the 287 KB package (with tr46's table) is not bundled.
exports.URL = globalThis.URL;
exports.URLSearchParams = globalThis.URLSearchParams;
