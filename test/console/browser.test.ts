/**
 * The review console in real headless Chromium: sign in, resolve a review item with the keyboard, see
 * the correction in Activity and in the store, search the audit trail, and be sent to sign in when not
 * signed in. Screenshots of each page go to test-output/console/ (gitignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/console/sessions.ts';
import { PASSWORD, SECRET, USERS, buildWorld, waitFor, type World } from './world.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.resolve(import.meta.dirname, '../../test-output/console');

let w: World;
let profile: string;
let browser: BrowserContext;
/** Console messages of level error (a CSP violation shows up here). */
const errors: string[] = [];

/** A screenshot of the page (the whole page unless it is very long). */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  w = await buildWorld({ secureCookie: true });
  profile = await mkdtemp(path.join(tmpdir(), 'acclink-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 },
  });
  browser.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await w?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('console in Chromium', () => {
  it('sends an unauthenticated visit to the sign-in page', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${w.origin}/console/activity`);
    expect(res?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await shot(page, 'login');
    await page.close();
  });

  it('signs in, resolves a review item by keyboard, and shows the correction in Activity and the store', async () => {
    const page = await browser.newPage();
    await page.goto(`${w.origin}/console/login`);
    await page.getByLabel('User name').fill(USERS.admin);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${w.origin}/console/queue`);
    await expect(page.getByRole('heading', { name: 'Review queue' }).isVisible()).resolves.toBe(true);
    await shot(page, 'queue');

    // The first item whose first candidate carries another accession: linking it changes a record.
    const idOf = (i: { studyInstanceUid?: string; reportId?: string }): string => sign(SECRET, `review\u0000${i.studyInstanceUid ?? ''}|${i.reportId ?? ''}`).slice(0, 22);
    const items = await w.store.listReviewItems();
    const rows = await page.locator('a[data-row]').evaluateAll((links) => links.map((a) => (a as unknown as { pathname: string }).pathname.split('/').at(-1) ?? ''));
    let target = -1;
    for (let k = 0; k < rows.length && target < 0; k++) {
      const it = items.find((i) => idOf(i) === rows[k]);
      const scan = await w.store.getScan(it?.studyInstanceUid ?? '');
      const report = await w.store.getReport(it?.candidates[0]?.id ?? '');
      if (scan && report && scan.accession !== report.accession) target = k;
    }
    expect(target).toBeGreaterThanOrEqual(0);
    // j moves the focus down the rows (the first press focuses the first row); Enter opens one.
    for (let k = 0; k <= target; k++) await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/review\/[A-Za-z0-9_-]+$/);
    const id = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    expect(id).toBe(rows[target]);
    const item = items.find((i) => idOf(i) === id);
    if (!item) throw new Error('the page shows no known item');
    await page.locator('img.thumb').first().evaluate((img: { complete: boolean }) => img.complete);
    expect(await page.locator('img.thumb').first().evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBeGreaterThan(1);
    await shot(page, 'review-item');

    await page.keyboard.press('1');
    await page.waitForURL((u) => !u.pathname.endsWith(id));
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/^Linked: /);
    const [stored] = await w.store.listReviewItems({ studyInstanceUid: item.studyInstanceUid ?? '' });
    expect(stored).toMatchObject({ state: 'resolved', resolution: { action: 'linked', by: USERS.admin, chosen: item.candidates[0]?.id } });
    const corrections = (await w.store.listAudit({ actions: ['decided'] })).filter((a) => a.actor === USERS.admin);
    expect(corrections.length).toBeGreaterThan(0);
    await shot(page, 'review-next');

    await page.getByRole('link', { name: 'Activity' }).click();
    await page.waitForURL(`${w.origin}/console/activity`);
    for (const c of corrections) {
      const row = page.locator(`tr[data-correction="${c.correctionId ?? ''}"]`);
      await expect(row.textContent()).resolves.toContain(USERS.admin);
    }
    await expect(page.locator('#chart-probability').isVisible()).resolves.toBe(true);
    await shot(page, 'activity');

    // The audit trail of the study just decided: posted, so nothing identifying lands in the URL.
    await page.getByRole('link', { name: 'Audit trail' }).first().click();
    await page.getByLabel('Search by').selectOption('study');
    await page.getByLabel('Value').fill(item.studyInstanceUid ?? '');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForLoadState();
    expect(page.url()).toBe(`${w.origin}/console/audit`);
    await expect(page.locator('table.audit').textContent()).resolves.toContain('review-decision');
    await shot(page, 'audit');

    for (const name of ['Header review', 'Mappings']) {
      await page.getByRole('link', { name }).click();
      await page.waitForLoadState();
      await shot(page, name.toLowerCase().replace(' ', '-'), false);
    }
    await page.goto(`${w.origin}/console/queue?view=resolved`);
    await shot(page, 'queue-resolved');
    await waitFor(async () => (await w.store.listAudit({ correctionId: corrections[0]?.correctionId ?? '', actions: ['delivered'] })).length > 0, 'delivery');
    expect(errors).toEqual([]);

    // Signing out ends it: the next visit is sent to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${w.origin}/console/login`);
    await page.goto(`${w.origin}/console/queue`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.close();
  });
});
