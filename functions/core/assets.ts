/**
 * The lessons' pictures: PNGs made at build time (scripts/lesson-images.ts), served by the
 * API under one path and named by their content hash, so a cache may keep them for a year.
 */
import type { CourseSettings } from './settings.js';

/** Where the API serves them: `/assets/<hash>.png`. */
export const LESSON_IMAGE_PATH = '/assets';

/** A name never changes content, so clients and proxies may keep it for good. */
export const LESSON_IMAGE_CACHE = 'public, max-age=31536000, immutable';

/** The `assetsUrl` a lesson's `<img src="{{assetsUrl}}/<hash>.png">` is filled with. */
export function assetsUrl(settings: Pick<CourseSettings, 'publicBaseUrl'>): string {
  return `${settings.publicBaseUrl}${LESSON_IMAGE_PATH}`;
}
