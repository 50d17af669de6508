// What both browser tests share: Debian's headless Chromium, and checks
// printed one line each ("ok ..." / "not ok ...") with a failure count.
import { chromium } from 'playwright-core';

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export function checker() {
  const c = { failed: 0 };
  c.check = (ok, what) => { console.log(`${ok ? 'ok' : 'not ok'} ${what}`); if (!ok) c.failed++; };
  return c;
}
