/**
 * The outbound guard's address rules, inside workerd (whose URL parser is the one the worker
 * uses): every notation of a private address is refused, public ones pass, and
 * ALLOW_PRIVATE_URLS opens exactly the hosts it names.
 */
import { describe, expect, it } from "vitest";
import { checkOutboundUrl, hostRule, outboundUrlProblem, parseIPv4, parseIPv6 } from "../../worker/net/outbound";

const none = {};
const problem = (url: string, env: { ALLOW_PRIVATE_URLS?: string } = none) => outboundUrlProblem(env, url);

describe("parsing addresses like a URL parser and inet_aton", () => {
  it("reads every IPv4 notation", () => {
    const loopback = 0x7f000001;
    for (const host of ["127.0.0.1", "2130706433", "0x7f.1", "0x7F.0.0.1", "0177.0.0.1", "0177.0.0.01", "127.1", "127.0.1", "0x7f000001", "017700000001", "127.0.0.1."]) {
      expect(parseIPv4(host), host).toBe(loopback);
      // The runtime's URL parser agrees, so the guard sees what fetch would reach.
      expect(new URL(`http://${host}/`).hostname, host).toBe("127.0.0.1");
    }
    expect(parseIPv4("0")).toBe(0);
    expect(parseIPv4("0x")).toBe(0);
    expect(parseIPv4("example.com")).toBeNull();
    expect(parseIPv4("1.2.3.com")).toBeNull();
    for (const bad of ["1.2.3.4.5", "256.1.1.1", "1.2.3.256", "09.1.1.1", "4294967296", "1.2.65536"]) expect(parseIPv4(bad), bad).toBe("invalid");
  });

  it("reads IPv6, with and without an embedded IPv4 tail", () => {
    expect(parseIPv6("[::1]")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("fe80::1%eth0")).toBeNull();
    expect(parseIPv6("1::2::3")).toBeNull();
    expect(parseIPv6("1:2:3:4:5:6:7:8:9")).toBeNull();
  });
});

describe("refused by default", () => {
  const refused: [string, RegExp][] = [
    ["http://127.0.0.1/", /127\.0\.0\.1 is a loopback address/],
    ["http://2130706433/", /loopback/],
    ["http://0x7f.1/", /loopback/],
    ["http://0177.0.0.1/", /loopback/],
    ["http://127.1:8787/", /loopback/],
    ["http://127.0.0.1.:8787/", /loopback/],
    ["http://[::1]/", /\[::1\] is a loopback address/],
    ["http://[0:0:0:0:0:0:0:1]/", /loopback/],
    ["http://[::ffff:127.0.0.1]/", /IPv4-mapped address of 127\.0\.0\.1, a loopback address/],
    ["http://[::ffff:7f00:1]/", /IPv4-mapped .* loopback/],
    ["http://[::127.0.0.1]/", /IPv4-compatible .* loopback/],
    ["http://[64:ff9b::7f00:1]/", /NAT64 .* loopback/],
    ["http://[2002:7f00:1::]/", /6to4 .* loopback/],
    ["http://[::ffff:10.0.0.1]/", /private/],
    ["http://0.0.0.0/", /unspecified/],
    ["http://0/", /unspecified/],
    ["http://[::]/", /unspecified/],
    ["http://10.0.0.1/", /10\.0\.0\.1 is a private address/],
    ["http://172.16.0.1/", /private/],
    ["http://172.31.255.255/", /private/],
    ["http://192.168.1.1/", /private/],
    ["http://0xc0a80101/", /192\.168\.1\.1 is a private address/],
    ["http://100.64.0.1/", /CGNAT/],
    ["http://169.254.1.1/", /link-local/],
    ["http://169.254.169.254/latest/meta-data/", /metadata/],
    ["http://2852039166/", /169\.254\.169\.254 is a cloud metadata address/],
    ["http://[fd00:ec2::254]/", /metadata/],
    ["http://metadata.google.internal/computeMetadata/v1/", /metadata/],
    ["http://224.0.0.1/", /multicast/],
    ["http://[ff02::1]/", /multicast/],
    ["http://[fe80::1]/", /link-local/],
    ["http://[fc00::1]/", /unique local/],
    ["http://[fd12:3456::1]/", /unique local/],
    ["http://255.255.255.255/", /broadcast/],
    ["http://240.0.0.1/", /reserved/],
    ["http://localhost/", /localhost is a loopback name/],
    ["http://LOCALHOST:8787/", /loopback name/],
    ["http://localhost./", /loopback name/],
    ["http://api.localhost/", /loopback name/],
    ["http://printer.local/", /mDNS/],
    ["http://db.internal/", /internal name/],
    ["http://intranet/", /local-network name/],
    ["http://buildbox:3000/", /single-label/],
    ["http://127.0.0.1.nip.io/", /wildcard-DNS/],
    ["http://app.localtest.me/", /loopback/],
    ["http://user:pass@127.0.0.1/", /loopback/],
    ["http://example.com@127.0.0.1/", /loopback/],
    ["file:///etc/passwd", /file: URLs are not fetched/],
    ["gopher://example.com/", /gopher: URLs are not fetched/],
    ["ftp://example.com/x", /ftp: URLs/],
    ["not a url", /is not a URL/],
  ];
  for (const [url, why] of refused) {
    it(`refuses ${url}`, () => {
      expect(problem(url)).toMatch(why);
      expect(() => checkOutboundUrl(none, url)).toThrow(why);
    });
  }

  it("lets public addresses and names through", () => {
    for (const url of [
      "https://example.com/",
      "https://docs.example.com:8443/a?b=c",
      "http://93.184.216.34/",
      "http://172.32.0.1/",
      "http://100.128.0.1/",
      "http://[2606:4700:4700::1111]/",
      "http://[::ffff:93.184.216.34]/",
      "https://example.com./",
    ]) {
      expect(problem(url), url).toBeNull();
    }
    expect(hostRule("example.com")).toBeNull();
  });
});

describe("ALLOW_PRIVATE_URLS", () => {
  it("opens exactly the named hosts and ports, in any notation of the same address", () => {
    const env = { ALLOW_PRIVATE_URLS: "127.0.0.1:4000, localhost ,[::1]:5000" };
    expect(problem("http://127.0.0.1:4000/x", env)).toBeNull();
    expect(problem("http://2130706433:4000/x", env)).toBeNull();
    expect(problem("http://0x7f.1:4000/x", env)).toBeNull();
    expect(problem("http://127.0.0.1:4001/x", env)).toMatch(/loopback/);
    expect(problem("http://127.0.0.1/x", env)).toMatch(/loopback/);
    expect(problem("http://127.0.0.2:4000/x", env)).toMatch(/loopback/);
    expect(problem("http://localhost:9999/", env)).toBeNull();
    expect(problem("http://[::1]:5000/", env)).toBeNull();
    expect(problem("http://[::1]:5001/", env)).toMatch(/loopback/);
    expect(problem("http://[::ffff:127.0.0.1]:4000/", env)).toMatch(/loopback/);
    expect(problem("http://10.0.0.1:4000/", env)).toMatch(/private/);
    // Only http(s), even for an opened host.
    expect(problem("ftp://127.0.0.1:4000/", env)).toMatch(/ftp:/);
  });

  it("matches a default port when the entry names it", () => {
    expect(problem("http://127.0.0.1/", { ALLOW_PRIVATE_URLS: "127.0.0.1:80" })).toBeNull();
    expect(problem("https://127.0.0.1/", { ALLOW_PRIVATE_URLS: "127.0.0.1:80" })).toMatch(/loopback/);
    expect(problem("http://127.0.0.1:8080/", { ALLOW_PRIVATE_URLS: "http://127.0.0.1:8080/v1" })).toBeNull();
  });
});
