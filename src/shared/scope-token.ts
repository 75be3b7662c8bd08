// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), printable ASCII except space,
// '"' and '\'. The shared kernel holds it because configuration (ROLE_SCOPES) checks it too.
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
