// The IAM catalog rewrite on a realistic OTC token response (the shape and service types of a
// recorded eu-de catalog, docs/iam-catalog.md): only the EVS endpoint URLs change,
// every other byte is the same; bodies without a catalog come back unchanged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVS_SERVICE_TYPES, rewriteCatalog } from '../../src/iam/catalog-rewrite.ts';

const P = '0391e4486e864c26be5654c522f440f2';
const GW = 'https://evs-gateway.example.internal';

/** The token body with the EVS URLs filled in; formatting deliberately irregular. */
function tokenBody(u: { v2: string; v3: string; evs: string; volume: string; volumeEscaped: string }): string {
  return `{"token": {"expires_at": "2219-05-24T15:11:11.815000Z", "methods": ["password"], "catalog":
  [{"endpoints": [{"region_id": "eu-de", "id": "af310f1928e94df081c70681f7bd0c99", "region": "eu-de", "interface": "public", "url": "https://vpc.eu-de.otc.t-systems.com"}], "name": "neutron", "id": "17d89ac272864e5db017ace42ec33514", "type": "network"},
   {"endpoints": [{"region_id": "eu-de", "id": "6f782d76e02c40a4acdfb80192919511", "region": "eu-de", "interface": "public",
                   "url": "${u.v3}"}], "name": "cinderv3", "id": "01ddc5a9916c45c2b6f46dc604848cb7", "type": "volumev3"},
   {"endpoints": [{"region_id": "eu-de", "id": "727ba225c9c64e888407370cbbd44501", "region": "eu-de", "interface": "public", "url": "https://sdrs.eu-de.otc.t-systems.com/v1/${P}"}], "name": "sdrs", "id": "e910f1ad6491403ea2ed913732b0e248", "type": "sdrs"},
   {"endpoints": [{"region_id": "eu-de", "id": "c097d8ea9064465296461205bdaf26d1", "region": "eu-de", "interface": "public", "url": "${u.v2}"},
                  {"region_id": "eu-de", "id": "c097d8ea9064465296461205bdaf26d2", "region": "eu-de", "interface": "internal", "url":"${u.v2}"}], "name": "cinderv2", "id": "0c69eafe914149d487fb7475ed0287c5", "type": "volumev2"},
   {"type": "evs", "name": "evs", "id": "cb195887b01349d0b3e361db478f458e", "endpoints": [{"url": "${u.evs}", "region_id": "eu-de", "id": "22e073c62e6f412cac0297f22cb0eb6f", "region": "eu-de", "interface": "public"}]},
   {"endpoints": [{"region_id": "eu-de", "id": "9624e5f4dd5f4309a18a8062702786c7", "region": "eu-de", "interface": "public", "url": "https://vbs.eu-de.otc.t-systems.com/v2/"}], "name": "volume-backup", "id": "f48ebde6bb6a4e43b5ec914eae78e77b", "type": "vbs"},
   {"endpoints": [{"region_id": "eu-de", "id": "fd24445c934b4687acb0d8a47b5e136c", "region": "eu-de", "interface": "public", "url": "${u.volumeEscaped}"}], "name": "cinder", "id": "ac97a488327b43d19f50fd0afee67c33", "type": "volume"},
   {"endpoints": [{"region_id": "*", "id": "2df96872ffd84d4a84c29967739ae3fd", "region": "*", "interface": "public", "url": "https://iam.eu-de.otc.t-systems.com/v3"}], "name": "keystone", "id": "45a401041b6547f79b976e2d0727c52b", "type": "identity"}],
 "roles": [{"name": "te_admin", "id": "699bd62cda304d2cad03fd2fb190b8cf"}], "url": "https://evs.eu-de.otc.t-systems.com/v2/${P}",
 "project": {"domain": {"xdomain_type": "TSI", "name": "OTC00000000001000000317", "id": "f61828ffa6844c2caca6618cd6fdecb7"}, "name": "eu-de_profi9", "id": "${P}"},
 "issued_at": "2019-05-23T15:11:11.815000Z", "user": {"name": "brederle", "id": "984366b9749e43d88660cc093d95b83b", "n": 1.50e+3, "\\u0075rl": "x"}}}
`;
}

const ORIGINAL = {
  v2: `https://evs.eu-de.otc.t-systems.com/v2/${P}`,
  v3: `https://evs.eu-de.otc.t-systems.com/v3/${P}`,
  evs: `https://evs.eu-de.otc.t-systems.com/v2/${P}`,
  volume: '',
  volumeEscaped: `https:\\/\\/evs.eu-de.otc.t-systems.com\\/v2\\/${P}`,
};
const REWRITTEN = { v2: `${GW}/v2/${P}`, v3: `${GW}/v3/${P}`, evs: `${GW}/v2/${P}`, volume: '', volumeEscaped: `${GW}/v2/${P}` };

describe('rewriteCatalog', () => {
  it('rewrites only the EVS endpoint URLs of a token response, keeping the project path; every other byte is identical', () => {
    const body = tokenBody(ORIGINAL);
    JSON.parse(body); // the fixture itself is valid JSON
    const out = rewriteCatalog(body, GW);
    assert.equal(out.body, tokenBody(REWRITTEN));
    assert.equal(out.rewritten, 5);
    // What a client reads from it.
    const catalog = (JSON.parse(out.body) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } }).token.catalog;
    const urls = (type: string) => catalog.find((c) => c.type === type)?.endpoints.map((e) => e.url);
    assert.deepEqual(urls('volumev2'), [`${GW}/v2/${P}`, `${GW}/v2/${P}`]);
    assert.deepEqual(urls('volume'), [`${GW}/v2/${P}`]);
    assert.deepEqual(urls('sdrs'), [`https://sdrs.eu-de.otc.t-systems.com/v1/${P}`]);
    assert.deepEqual(urls('vbs'), ['https://vbs.eu-de.otc.t-systems.com/v2/']);
  });

  it('a PUBLIC_URL with a trailing slash or a path prefix', () => {
    const body = tokenBody(ORIGINAL);
    assert.equal(rewriteCatalog(body, `${GW}/`).body, tokenBody(REWRITTEN));
    const prefixed = rewriteCatalog(body, `${GW}/evs/`).body;
    assert.match(prefixed, new RegExp(`"url": "${GW}/evs/v3/${P}"`));
  });

  it('GET /v3/auth/catalog shape (catalog at the top level)', () => {
    const body = `{"catalog": [{"type": "volumev2", "endpoints": [{"interface": "public", "url": "https://evs.eu-nl.otc.t-systems.com/v2/${P}?x=1"}]}, {"type": "compute", "endpoints": [{"url": "https://ecs.eu-nl.otc.t-systems.com/v2/${P}"}]}], "links": {"self": "https://iam.eu-nl.otc.t-systems.com/v3/auth/catalog"}}`;
    const expected = body.replace(`https://evs.eu-nl.otc.t-systems.com/v2/${P}?x=1`, `${GW}/v2/${P}?x=1`);
    assert.deepEqual(rewriteCatalog(body, GW), { body: expected, rewritten: 1 });
  });

  it('a host-only EVS URL becomes the bare PUBLIC_URL', () => {
    const body = '{"catalog":[{"type":"evs","endpoints":[{"url":"https://evs.eu-de.otc.t-systems.com"}]}]}';
    assert.equal(rewriteCatalog(body, GW).body, `{"catalog":[{"type":"evs","endpoints":[{"url":"${GW}"}]}]}`);
  });

  it('returns anything without an EVS catalog entry unchanged', () => {
    const cases = [
      '',
      'not json',
      '{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}',
      '{"token": {"methods": ["password"], "expires_at": "2030-01-01T00:00:00Z"}}',
      '{"token": {"catalog": "nope"}}',
      '{"token": {"catalog": [{"type": "compute", "endpoints": [{"url": "https://ecs.eu-de.otc.t-systems.com/v2/x"}]}]}}',
      '{"token": {"catalog": [{"type": "volumev2", "endpoints": [{"url": "not a url"}, {"url": 5}]}]}}',
      '[1, 2, 3]',
      'null',
      '{"token": {"catalog": [{"type": "volumev2", "endpoints": [{"url": "https://evs/v2"}]}]}',
    ];
    for (const body of cases) assert.deepEqual(rewriteCatalog(body, GW), { body, rewritten: 0 }, body);
  });

  it('the service types can be chosen, and the default set is the OTC one', () => {
    assert.deepEqual([...EVS_SERVICE_TYPES].sort(), ['evs', 'volume', 'volumev2', 'volumev3']);
    const body = tokenBody(ORIGINAL);
    const onlyV3 = rewriteCatalog(body, GW, new Set(['volumev3']));
    assert.equal(onlyV3.rewritten, 1);
    assert.equal(onlyV3.body, body.replace(`"url": "${ORIGINAL.v3}"`, `"url": "${REWRITTEN.v3}"`));
  });

  it('a large catalog is rewritten quickly', () => {
    const entries = Array.from({ length: 2000 }, (_, k) => `{"type": "${k % 50 === 0 ? 'volumev2' : `svc${k}`}", "endpoints": [{"interface": "public", "url": "https://s${k}.eu-de.otc.t-systems.com/v2/${P}"}]}`);
    const body = `{"token": {"catalog": [${entries.join(', ')}]}}`;
    const started = performance.now();
    const out = rewriteCatalog(body, GW);
    assert.equal(out.rewritten, 40);
    assert.ok(performance.now() - started < 200);
  });
});
