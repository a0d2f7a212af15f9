// Which kind of tool sent a request, from its User-Agent, as one value of a closed set: it becomes
// the `client` label of evs_gateway_requests_total and a key of the usage report, so it must never
// carry raw input. The rules and the public sources of the user agents they match are in
// docs/usage.md ("Client families").
//
// Cost is bounded whatever the header holds: only the first UA_SCAN_LIMIT characters are looked
// at, with plain substring searches (no regular expression, so nothing to backtrack).

export const CLIENT_FAMILIES = ['terraform', 'openstack-cli', 'python-sdk', 'go-sdk', 'java-sdk', 'curl', 'browser', 'none', 'other'] as const;
export type ClientFamily = (typeof CLIENT_FAMILIES)[number];

/** Real user agents put the tool's own token within the first few hundred characters. */
export const UA_SCAN_LIMIT = 512;

interface Rule {
  family: ClientFamily;
  /** Case-insensitive substrings (lower case here); any one matches. */
  tokens: readonly string[];
  /** Only at the start of the header (curl/, Mozilla/ appear inside other agents' comments). */
  prefixOnly?: boolean;
}

// First match wins; order matters where agents embed each other's tokens:
// - Terraform's agent ends with "golangsdk/2.0.0" (the Go SDK the provider is built on), so
//   terraform comes before go-sdk;
// - the OpenStack CLI's agent lists "openstacksdk/… keystoneauth1/… python-requests/…", so
//   openstack-cli comes before python-sdk.
const RULES: readonly Rule[] = [
  { family: 'terraform', tokens: ['terraform/', 'terraform-provider-', 'terraform-plugin-sdk/'] },
  { family: 'openstack-cli', tokens: ['osc-lib/', 'python-openstackclient'] },
  { family: 'python-sdk', tokens: ['openstacksdk/', 'keystoneauth1/', 'huaweicloud-usdk-python/', 'python-requests/', 'python-urllib3/', 'python-httpx/', 'aiohttp/'] },
  { family: 'go-sdk', tokens: ['golangsdk/', 'gophercloud/', 'huaweicloud-usdk-go/', 'go-http-client/'] },
  { family: 'java-sdk', tokens: ['huaweicloud-usdk-java/', 'okhttp/', 'apache-httpclient/', 'java/', 'java-http-client/'] },
  { family: 'curl', tokens: ['curl/'], prefixOnly: true },
  { family: 'browser', tokens: ['mozilla/'], prefixOnly: true },
];

/** The client family of a User-Agent header value (undefined or empty: `none`). */
export function clientFamily(userAgent: string | readonly string[] | undefined): ClientFamily {
  const raw = Array.isArray(userAgent) ? userAgent[0] : (userAgent as string | undefined);
  if (raw === undefined) return 'none';
  const ua = (raw.length > UA_SCAN_LIMIT ? raw.slice(0, UA_SCAN_LIMIT) : raw).trim().toLowerCase();
  if (ua === '') return 'none';
  for (const rule of RULES) {
    for (const token of rule.tokens) {
      if (rule.prefixOnly ? ua.startsWith(token) : ua.includes(token)) return rule.family;
    }
  }
  return 'other';
}
