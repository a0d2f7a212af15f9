// The User-Agent -> client family table, with the user agents the real clients send (sources in
// docs/usage.md, "Client families"), and the cost bound on long or hostile headers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_FAMILIES, UA_SCAN_LIMIT, clientFamily, type ClientFamily } from '../../src/observability/client-family.ts';

const TABLE: [string | undefined, ClientFamily, string][] = [
  // terraform-provider-opentelekomcloud: the plugin SDK's Provider.UserAgent(...) prepended to golangsdk's default.
  ['Terraform/1.5.7 (+https://www.terraform.io) Terraform-Plugin-SDK/2.34.0 terraform-provider-opentelekomcloud/1.36.20 golangsdk/2.0.0', 'terraform', 'OTC Terraform provider'],
  ['Terraform/0.11+compatible (+https://www.terraform.io) Terraform-Plugin-SDK/2.10.1 terraform-provider-opentelekomcloud/1.23.0 golangsdk/2.0.0', 'terraform', 'Terraform 0.11 compatibility string'],
  // python-openstackclient: osc-lib and openstacksdk in additional_user_agent, then keystoneauth1's default.
  ['osc-lib/3.0.1 openstacksdk/3.0.0 keystoneauth1/5.6.0 python-requests/2.31.0 CPython/3.11.6', 'openstack-cli', 'openstack CLI'],
  ['python-openstackclient keystoneauth1/3.4.0 python-requests/2.18.4 CPython/2.7.15', 'openstack-cli', 'older openstack CLI'],
  ['openstacksdk/3.0.0 keystoneauth1/5.6.0 python-requests/2.31.0 CPython/3.11.6', 'python-sdk', 'openstacksdk / otcextensions'],
  ['keystoneauth1/5.6.0 python-requests/2.31.0 CPython/3.11.6', 'python-sdk', 'a bare keystoneauth1 session'],
  ['huaweicloud-usdk-python/3.0', 'python-sdk', 'huaweicloud-sdk-python-v3'],
  ['huaweicloud-usdk-python/3.0; test', 'python-sdk', 'huaweicloud-sdk-python-v3 with a custom suffix'],
  ['python-requests/2.32.3', 'python-sdk', 'a plain requests script'],
  ['golangsdk/2.0.0', 'go-sdk', 'gophertelekomcloud'],
  ['my-tool/1.0 golangsdk/2.0.0', 'go-sdk', 'gophertelekomcloud with a prepend'],
  ['gophercloud/2.0.0', 'go-sdk', 'gophercloud'],
  ['huaweicloud-usdk-go/3.0', 'go-sdk', 'huaweicloud-sdk-go-v3'],
  ['huaweicloud-usdk-go/3.0;test-user-agent', 'go-sdk', 'huaweicloud-sdk-go-v3 with a custom suffix'],
  ['Go-http-client/1.1', 'go-sdk', "Go's net/http default"],
  ['huaweicloud-usdk-java/3.0', 'java-sdk', 'huaweicloud-sdk-java-v3'],
  ['Java/17.0.2', 'java-sdk', 'HttpURLConnection default'],
  ['okhttp/4.12.0', 'java-sdk', 'OkHttp default'],
  ['Apache-HttpClient/4.5.14 (Java/17.0.9)', 'java-sdk', 'Apache HttpClient default'],
  ['curl/8.5.0', 'curl', 'curl'],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'browser', 'Firefox'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'browser', 'Chrome'],
  ['TERRAFORM/1.9.0', 'terraform', 'case does not matter'],
  ['   ', 'none', 'blank'],
  ['', 'none', 'empty'],
  [undefined, 'none', 'absent'],
  ['PostmanRuntime/7.39.0', 'other', 'anything else'],
  ['Wget/1.21.4', 'other', 'wget is not curl'],
  ['my-agent (compatible; curl/8.0)', 'other', 'curl/ only counts at the start'],
];

describe('clientFamily', () => {
  for (const [ua, family, what] of TABLE) {
    it(`${what}: ${JSON.stringify(ua)} -> ${family}`, () => {
      assert.equal(clientFamily(ua), family);
    });
  }

  it('takes the first value of a repeated header', () => {
    assert.equal(clientFamily(['curl/8.5.0', 'golangsdk/2.0.0']), 'curl');
    assert.equal(clientFamily([]), 'none');
  });

  it('every answer is in the closed set, whatever the input', () => {
    const samples = ['\u0000\u0001', 'x'.repeat(10_000), '{"a":1}', 'Terraform', 'golangsdk', 'é/1'];
    for (const s of samples) assert.ok((CLIENT_FAMILIES as readonly string[]).includes(clientFamily(s)), s);
  });

  it('looks only at the first UA_SCAN_LIMIT characters, and stays cheap on huge headers', () => {
    assert.equal(clientFamily(`${'a'.repeat(UA_SCAN_LIMIT)} golangsdk/2.0.0`), 'other');
    assert.equal(clientFamily(`${'a'.repeat(UA_SCAN_LIMIT - 20)} golangsdk/2.0.0`), 'go-sdk');
    const huge = `${'Mozilla/'.repeat(100_000)}`;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) clientFamily(huge);
    const ms = performance.now() - started;
    assert.ok(ms < 500, `1000 classifications of an 800 kB header took ${ms.toFixed(0)} ms`);
  });
});

describe('the client label of evs_gateway_requests_total', () => {
  it('is set from the family passed to observeRequest, `other` when none is passed', async () => {
    const { createMetrics } = await import('../../src/observability/metrics.ts');
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observeRequest('sync', 202, 0.01, clientFamily('golangsdk/2.0.0'));
    metrics.observeRequest('sync', 202, 0.01, clientFamily('golangsdk/2.0.0'));
    metrics.observeRequest('sync', 202, 0.01);
    const text = await metrics.registry.metrics();
    assert.match(text, /evs_gateway_requests_total\{action="sync",code="202",client="go-sdk"\} 2/);
    assert.match(text, /evs_gateway_requests_total\{action="sync",code="202",client="other"\} 1/);
  });
});
