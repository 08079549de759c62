import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailIds } from '../../functions/core/course.js';
import { renderEmail, sampleVariables } from '../../functions/core/render.js';
import {
  browserSuiteMode,
  chromiumCandidates,
  describeBrowser,
  findChromium,
  type LaunchedBrowser,
  launchBrowser,
} from '../support/browser.js';

describe('browser test helper', () => {
  it('finds Debian Chromium in either place it is installed', () => {
    expect(findChromium({}, (p) => p === '/usr/lib/chromium/chromium')).toBe('/usr/lib/chromium/chromium');
    expect(findChromium({}, (p) => p === '/usr/bin/chromium')).toBe('/usr/bin/chromium');
    expect(findChromium({}, () => false)).toBeUndefined();
    expect(chromiumCandidates).toContain('/usr/bin/chromium');
  });

  it('prefers CHROMIUM_PATH when it is set', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, () => true)).toBe('/opt/chrome');
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, (p) => p !== '/opt/chrome')).toBeUndefined();
  });

  it('skips browser suites without Chromium, except under CI where they run and fail', () => {
    expect(browserSuiteMode(true, false)).toBe('run');
    expect(browserSuiteMode(true, true)).toBe('run');
    expect(browserSuiteMode(false, false)).toBe('skip');
    expect(browserSuiteMode(false, true)).toBe('run');
  });
});

describeBrowser('emails in a real browser', () => {
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.context.newPage();
    // Emails load nothing remote; block the network so a stray URL cannot slow or skew a test.
    await page.route('**/*', (route) => route.abort());
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function widthAt(viewport: number, html: string): Promise<number> {
    await page.setViewportSize({ width: viewport, height: 800 });
    await page.setContent(html);
    return page.evaluate(() => document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY);
  }

  it.each(emailIds)('%s fits a 375 px phone screen without scrolling sideways', async (id) => {
    const { html } = renderEmail(id, sampleVariables(id));

    expect(await widthAt(375, html)).toBeLessThanOrEqual(375);
  });

  it.each(emailIds)('%s keeps its 600 px layout on a desktop screen', async (id) => {
    const { html } = renderEmail(id, sampleVariables(id));

    expect(await widthAt(800, html)).toBeLessThanOrEqual(800);
    const contentWidth = await page.evaluate(() => {
      const article = document.querySelector('[role="article"] > div');
      return article ? article.getBoundingClientRect().width : 0;
    });
    expect(contentWidth).toBe(600);
  });

  /** Every visible piece of text: its font size, colour and the background it sits on, and the contrast. */
  async function textSamples(html: string, scheme: 'light' | 'dark') {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.setContent(html);
    return page.evaluate(
      (canvas) => {
        const rgb = (css: string) => {
          const [r = 0, g = 0, b = 0, a = 1] = (css.match(/[\d.]+/g) ?? []).map(Number);
          return { r, g, b, a };
        };
        const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
          const lin = (c: number) =>
            c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4;
          return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        };
        const backgroundOf = (el: Element | null): string => {
          for (let at = el; at; at = at.parentElement) {
            const bg = getComputedStyle(at).backgroundColor;
            if (rgb(bg).a > 0) return bg;
          }
          return canvas;
        };
        const samples = [];
        for (const el of document.body.querySelectorAll('*')) {
          const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
          if (!own || el.getClientRects().length === 0) continue;
          const style = getComputedStyle(el);
          if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
          const fg = luminance(rgb(style.color));
          const bg = luminance(rgb(backgroundOf(el)));
          const contrast = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          samples.push({
            text: (el.textContent ?? '').trim().slice(0, 40),
            fontSize: Number.parseFloat(style.fontSize),
            contrast: Math.round(contrast * 100) / 100,
          });
        }
        const page = luminance(rgb(backgroundOf(document.body)));
        return { samples, pageLuminance: page };
      },
      scheme === 'dark' ? 'rgb(18, 18, 18)' : 'rgb(255, 255, 255)',
    );
  }

  it.each(emailIds)('%s has no visible text under 14 px', async (id) => {
    const { samples } = await textSamples(renderEmail(id, sampleVariables(id)).html, 'light');

    expect(samples.length).toBeGreaterThan(10);
    expect(samples.filter((s) => s.fontSize < 14)).toEqual([]);
  });

  it.each(emailIds)('%s keeps every text at 4.5:1 contrast or more in light mode', async (id) => {
    const { samples } = await textSamples(renderEmail(id, sampleVariables(id)).html, 'light');

    expect(samples.filter((s) => s.contrast < 4.5)).toEqual([]);
  });

  it.each(emailIds)(
    '%s turns dark in dark mode and keeps every text at 4.5:1 contrast or more',
    async (id) => {
      const { samples, pageLuminance } = await textSamples(renderEmail(id, sampleVariables(id)).html, 'dark');

      expect(pageLuminance).toBeLessThan(0.05);
      expect(samples.filter((s) => s.contrast < 4.5)).toEqual([]);
    },
  );

  it('sizes and colours headings even in a mail client that strips every <style>', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setContent(renderEmail('lesson-1', sampleVariables('lesson-1')).html);
    const headings = await page.evaluate(() => {
      for (const style of document.querySelectorAll('style')) style.remove();
      return [...document.querySelectorAll('h1, h2')].map((h) => {
        const { fontSize, color } = getComputedStyle(h);
        return { tag: h.tagName, fontSize, color };
      });
    });

    expect(headings[0]).toEqual({ tag: 'H1', fontSize: '26px', color: 'rgb(31, 94, 87)' });
    expect(headings.slice(1).length).toBeGreaterThan(1);
    for (const h2 of headings.slice(1))
      expect(h2).toEqual({ tag: 'H2', fontSize: '20px', color: 'rgb(31, 94, 87)' });
  });

  it('draws the clinic logo at its fixed size above the banner, and leaves no band without one', async () => {
    const brand = { logoUrl: 'https://clinic.example/logo.png', logoWidth: '180', logoHeight: '40' };
    const logo = await browser.context.newPage();
    await logo.route('**/*', (route) => route.abort());
    await logo.route('https://clinic.example/logo.png', (route) =>
      route.fulfill({
        contentType: 'image/svg+xml',
        body: '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="80"><rect width="360" height="80" fill="#7a2e4d"/></svg>',
      }),
    );
    const measure = async (vars: Record<string, string>) => {
      await logo.setContent(renderEmail('lesson-1', { ...sampleVariables('lesson-1'), ...vars }).html);
      return logo.evaluate(async () => {
        const img = document.querySelector('img[alt]') as HTMLImageElement | null;
        if (img && !img.complete) await new Promise((resolve) => img.addEventListener('load', resolve));
        const band = (document.querySelector('.brand') as Element).getBoundingClientRect();
        return {
          band: band.height,
          image: img
            ? { alt: img.alt, width: img.width, height: img.height, loaded: img.naturalWidth > 0 }
            : null,
        };
      });
    };

    const branded = await measure(brand);
    expect(branded.image).toEqual({
      alt: 'Riverside Massage & Bodywork',
      width: 180,
      height: 40,
      loaded: true,
    });
    expect(branded.band).toBe(80);
    expect(await measure({})).toEqual({ band: 0, image: null });
    await logo.close();
  });

  it('fits a phone even with a very long unbroken name and address', async () => {
    const vars = {
      ...sampleVariables('lesson-1'),
      firstName: 'Maximilianaalexandrinakonstantinopoulou'.repeat(2),
      clinicName: 'TheRiversideMassageAndBodyworkClinicAndWellbeingCentre',
      postalAddress: 'Unit12TheOldMillBuildingMillLaneRiversideRS12ABUnitedKingdom',
    };

    expect(await widthAt(375, renderEmail('lesson-1', vars).html)).toBeLessThanOrEqual(375);
  });

  it('shows the reader text, not markup, for a hostile first name', async () => {
    const vars = { ...sampleVariables('lesson-1'), firstName: '"><img src=x onerror=alert(1)>' };
    await widthAt(375, renderEmail('lesson-1', vars).html);

    expect(await page.locator('img').count()).toBe(0);
    expect(await page.getByText('Hi "><img src=x onerror=alert(1)>,').count()).toBe(1);
  });
});
