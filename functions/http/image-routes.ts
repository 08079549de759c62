/** The lessons' pictures, `/assets/<hash>.png`: built into the bundle, cached for a year. */
import { lessonImages } from '#course';
import { LESSON_IMAGE_CACHE, LESSON_IMAGE_PATH } from '../core/assets.js';
import type { Route } from './request.js';
import type { HttpResponse } from './response.js';

/** One GET route per picture of the course, keyed by its path. */
export function lessonImageRoutes(
  images: Readonly<Record<string, string>> = lessonImages,
): Record<string, Readonly<Record<string, Route>>> {
  return Object.fromEntries(
    Object.entries(images).map(([file, base64]) => {
      const response: HttpResponse = {
        statusCode: 200,
        headers: {
          'content-type': 'image/png',
          'cache-control': LESSON_IMAGE_CACHE,
          'x-content-type-options': 'nosniff',
        },
        body: base64,
        isBase64Encoded: true,
      };
      return [`${LESSON_IMAGE_PATH}/${file}`, { GET: async () => response }];
    }),
  );
}
