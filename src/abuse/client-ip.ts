// The key a client's address is rate-limited under. IPv4 addresses count one by one; an IPv6
// client counts by its /64, the smallest block a subscriber is normally given (RFC 6177): a
// per-address limit would be dodged by cycling through the 2^64 addresses of one allocation.

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The eight hextets of an IPv6 address, or undefined if it is not one. */
function hextets(address: string): string[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  // A trailing dotted quad (::ffff:192.0.2.1) is two hextets.
  const quad = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (quad?.[1]) {
    const bytes = quad[1].split('.').map(Number);
    if (bytes.some((b) => b > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = bytes;
    text =
      text.slice(0, -quad[1].length) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!all.every((h) => /^[0-9a-f]{1,4}$/.test(h))) return undefined;
  return all.map((h) => h.padStart(4, '0'));
}

export function ipLimitKey(ip: string): string {
  const address = ip.trim();
  if (IPV4.test(address)) return address;
  const groups = hextets(address);
  if (!groups) return address === '' ? 'unknown' : `raw:${address.slice(0, 64)}`;
  // An IPv4-mapped address is that IPv4 client.
  if (groups.slice(0, 6).join(':') === '0000:0000:0000:0000:0000:ffff') {
    const [hi = 0, lo = 0] = groups.slice(6).map((h) => parseInt(h, 16));
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}
