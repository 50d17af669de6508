// Opens triage's report.html from disk in headless Chromium, with every
// network request refused, and uses it like a person: the findings are
// list items (no Markdown left showing), the tables are tables, the time
// bar's segments add up, a click on a frame of the on-CPU flame graph
// zooms it to the full width, the page's search box finds a function and
// reports its share, and a full-page screenshot is left to look at.
//   node report.mjs REPORT.html FINDINGS.json SCREENSHOT FRAME REGEX PERCENT
import { readFileSync } from 'node:fs';
import { launch, checker } from './harness.mjs';

const [html, findingsJson, shot, frameName, regex, wantPct] = process.argv.slice(2);
const want = JSON.parse(readFileSync(findingsJson, 'utf8'));
const browser = await launch();
const c = checker(), check = c.check;
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const remote = [];
  await page.route(/^(https?|wss?|ftp):/, (route) => { remote.push(route.request().url()); route.abort(); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('file://' + html);
  await page.waitForLoadState('load');

  const text = await page.locator('body').innerText();
  check(!/```|\*\*|^#+ /m.test(text), 'no Markdown markers in the page text');
  const items = page.locator('ol.findings > li.finding');
  check(await items.count() === want.findings.length,
        `${await items.count()} findings listed (findings.json has ${want.findings.length})`);
  if (want.findings.length) {
    const first = await items.first().locator('.ftitle').innerText();
    check(first === want.findings[0].title, `first finding's title is findings.json's: ${first}`);
    const box = await items.first().boundingBox();
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    check(box && box.x + box.width <= 1300 && scroll <= 1300, 'the findings wrap: nothing clipped or wider than the window');
  }
  for (const id of ['time', 'syscalls', 'disks', 'retransmits'])
    check(await page.locator(`section#${id} h2`).count() === 1, `section ${id} has its heading`);
  check(await page.locator('section#syscalls table th').count() === 5, 'the syscall table has its five columns');

  // The time bar: one segment per non-zero part, widths adding up to 100%.
  const widths = await page.locator('.bar span').evaluateAll((s) => s.map((e) => parseFloat(e.style.width)));
  const sum = widths.reduce((a, b) => a + b, 0);
  check(widths.length >= 1 && Math.abs(sum - 100) < 0.1, `time bar: ${widths.length} segments, ${sum.toFixed(2)}%`);
  const onCpu = want.time_ns.on_cpu / want.busy_ns * 100;
  check(Math.abs(widths[0] - onCpu) < 0.1, `on-CPU segment ${widths[0].toFixed(2)}% = findings.json's ${onCpu.toFixed(2)}%`);

  // The on-CPU flame graph, inside its frame.
  const el = page.locator('iframe#fg-oncpu');
  await el.scrollIntoViewIfNeeded();
  const fg = await (await el.elementHandle()).contentFrame();
  await fg.waitForFunction(() => typeof frames !== 'undefined' && frames.length > 0);
  const width = await fg.evaluate(() => +document.documentElement.getAttribute('width'));
  const frame = fg.locator('g.f', { has: fg.locator(`title:text-matches("^${frameName} \\\\(")`) });
  await frame.locator('rect').click();
  const zoomed = +(await frame.locator('rect').getAttribute('width'));
  check(Math.abs(zoomed - (width - 20)) < 0.01, `clicked frame spans the full width (${zoomed} of ${width - 20})`);

  const tools = page.locator('.fgtools[data-frame="fg-oncpu"]');
  await tools.locator('input').fill(regex);
  await tools.locator('input').press('Enter');
  await fg.waitForFunction(() => document.getElementById('matched').textContent.startsWith('Matched'));
  const pct = +(await fg.locator('#matched').getAttribute('data-percent'));
  check(Math.abs(pct - Number(wantPct)) < 0.1, `page search reports ${pct.toFixed(2)}% (want ${wantPct}%)`);
  await tools.locator('.reset').click();
  await fg.waitForFunction(() => document.getElementById('unzoom').style.opacity === '0');
  const back = +(await frame.locator('rect').getAttribute('width'));
  // Narrower again, unless the frame is every sample (nothing else ran
  // on a CPU in the window: then it spans the width unzoomed too).
  const whole = Math.abs(Number(wantPct) - 100) < 0.01;
  check(whole ? Math.abs(back - zoomed) < 0.01 : back < zoomed, `reset restores the frame (${back}${whole ? ', all samples' : ''})`);

  // Chromium leaves cross-origin frames outside the viewport unpainted:
  // a viewport as tall as the page puts every flame graph in view.
  const tall = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1300, height: tall });
  await page.waitForTimeout(300);
  await page.screenshot({ path: shot, fullPage: true });
  check(true, `screenshot ${shot}`);
  check(remote.length === 0, `no network requests (${remote.join(' ') || 'none'})`);
  check(errors.length === 0, `no script errors (${errors.join('; ') || 'none'})`);
} catch (e) {
  check(false, `browser run: ${e.message.split('\n')[0]}`);
} finally {
  await browser.close();
}
process.exit(c.failed ? 1 : 0);
