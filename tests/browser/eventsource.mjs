// A real EventSource in headless Chromium (playwright-core driving
// /usr/bin/chromium) on a workspace's log stream, opened by ticket as
// a browser must.  After BERTH_BEFORE lines, BERTH_CUT (a shell
// command) cuts the connection on the server's side; the EventSource
// reconnects by itself with Last-Event-ID and must go on with the next
// line: no duplicate, no gap ("tick N" lines consecutive), and it is
// never closed for good.  Prints a JSON summary; exits 1 on a failure,
// 2 when Chromium cannot run (a failure too for the test that runs it).
// Environment: BERTH_URL, BERTH_WS, BERTH_TICKET, BERTH_CUT,
// BERTH_BEFORE (default 10), BERTH_AFTER (default 30).
import { chromium } from 'playwright-core';
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = process.env;
const base = env.BERTH_URL;
const before = Number(env.BERTH_BEFORE || 10);
const after = Number(env.BERTH_AFTER || 30);
const url = `${base}/api/workspaces/${env.BERTH_WS}/logs/stream` +
    `?ticket=${env.BERTH_TICKET}`;
const flags = ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

function fail(code, why) {
	console.log(JSON.stringify({ ok: false, why }));
	process.exit(code);
}

// Lines in order: ids unique and increasing, ticks consecutive.
function check(got) {
	const ticks = got.map(([, l]) => /^tick (\d+)$/.exec(l))
	    .filter(Boolean).map(m => Number(m[1]));
	const ids = got.map(([id]) => id);
	if (new Set(ids).size !== ids.length)
		return 'a line came twice';
	for (let i = 1; i < ticks.length; i++)
		if (ticks[i] !== ticks[i - 1] + 1)
			return `tick ${ticks[i]} after tick ${ticks[i - 1]}: a ` +
			    (ticks[i] > ticks[i - 1] ? 'gap' : 'duplicate');
	return null;
}

async function follow(page) {
	await page.evaluate((u) => {
		window.got = []; window.opens = 0; window.errors = 0;
		const es = new EventSource(u);
		es.onopen = () => { window.opens++; };
		es.onerror = () => { window.errors++; };
		es.onmessage = (e) => {
			window.got.push([e.lastEventId, JSON.parse(e.data).line]);
		};
		window.es = es;
	}, url);
	await page.waitForFunction((n) => window.got.length >= n, before,
	    { timeout: 30000, polling: 100 });
	const atCut = await page.evaluate(() => window.got.length);
	execSync(env.BERTH_CUT, { stdio: 'inherit' });
	await page.waitForFunction((n) => window.opens >= 2 &&
	    window.got.length >= n, atCut + after,
	    { timeout: 60000, polling: 100 });
	return page.evaluate(() => ({ got: window.got, opens: window.opens,
	    errors: window.errors, state: window.es.readyState }));
}

const dir = mkdtempSync(join(tmpdir(), 'berth-chromium-'));
let ctx;
try {
	ctx = await chromium.launchPersistentContext(dir, {
		executablePath: '/usr/bin/chromium', headless: true,
		args: flags,
	});
} catch (e) {
	rmSync(dir, { recursive: true, force: true });
	fail(2, `cannot run Chromium: ${e.message.split('\n')[0]}`);
}
let r;
try {
	const page = await ctx.newPage();
	// A page of the gateway's origin (served here): the stream is
	// then same-origin, as for a berth dashboard.
	await page.route(`${base}/__eventsource_test`, (route) =>
	    route.fulfill({ contentType: 'text/html',
	    body: '<!doctype html><title>berth</title>' }));
	await page.goto(`${base}/__eventsource_test`);
	r = await follow(page);
} catch (e) {
	r = { error: e.message.split('\n')[0] };
} finally {
	await ctx.close();
	rmSync(dir, { recursive: true, force: true });
}
if (r.error)
	fail(1, r.error);
const why = check(r.got) || (r.state === 2 ? 'the EventSource closed' :
    null);
console.log(JSON.stringify({ ok: why === null, why, lines: r.got.length,
    opens: r.opens, errors: r.errors, first: r.got[0],
    last: r.got[r.got.length - 1] }));
process.exit(why === null ? 0 : 1);
