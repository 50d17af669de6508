// Opens a flame graph SVG in headless Chromium and uses it like a person:
// screenshot, click a frame (it must then span the full width), reset,
// search with a regular expression (the reported match percentage must be
// the frames' share).   node flamegraph.mjs SVG SCREENSHOT FRAME REGEX PERCENT
import { launch, checker } from './harness.mjs';

const [svg, shot, frameName, regex, wantPct] = process.argv.slice(2);
const browser = await launch();
const c = checker(), check = c.check;
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 400 } });
  await page.goto('file://' + svg);
  await page.screenshot({ path: shot });
  check(true, 'screenshot taken');

  const width = await page.evaluate(() => +document.documentElement.getAttribute('width'));
  const frame = page.locator('g.f', { has: page.locator(`title:text-matches("^${frameName} \\\\(")`) });
  await frame.locator('rect').click();
  const zoomed = +(await frame.locator('rect').getAttribute('width'));
  check(Math.abs(zoomed - (width - 20)) < 0.01, `clicked frame spans the full width (${zoomed} of ${width - 20})`);

  await page.locator('#unzoom').click();
  const back = +(await frame.locator('rect').getAttribute('width'));
  check(back < zoomed, `reset zoom restores the frame (${back})`);

  page.once('dialog', (d) => d.accept(regex));
  await page.keyboard.press('Control+f');
  await page.waitForFunction(() => document.getElementById('matched').textContent.startsWith('Matched'));
  const pct = +(await page.locator('#matched').getAttribute('data-percent'));
  const text = await page.locator('#matched').textContent();
  check(Math.abs(pct - Number(wantPct)) < 0.01, `search reports ${text} (want ${wantPct}%)`);
} catch (e) {
  check(false, `browser run: ${e.message.split('\n')[0]}`);
} finally {
  await browser.close();
}
process.exit(c.failed ? 1 : 0);
