// The Tencent Cloud SDK builds a multipart body with form-data only for `multipart` actions, which
// SCF's API has none of; the package (and mime-db's 137 KB) is not bundled. If one ever is called,
// it fails with this message instead of sending something wrong.
module.exports = class FormData {
  constructor() {
    throw new Error('scf-toolkit: multipart requests are not supported (no SCF API action uses them)');
  }
};
