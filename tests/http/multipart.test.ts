import { describe, expect, it } from 'vitest';
import { boundaryOf, MAX_PARTS, parseMultipart } from '../../functions/http/multipart.js';

const part = (b: string, head: string, value: string) => `--${b}\r\n${head}\r\n\r\n${value}\r\n`;
const body = (b: string, ...parts: string[]) => Buffer.from(`${parts.join('')}--${b}--\r\n`);

describe('multipart/form-data', () => {
  it('reads the boundary, quoted or not, and refuses an unusable one', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc123')).toBe('----abc123');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
    expect(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeUndefined();
    expect(boundaryOf('multipart/form-data; boundary=a<b')).toBeUndefined();
  });

  it('reads text fields in order, as UTF-8, with a preamble and quoted names', () => {
    const b = 'XyZ';
    const parsed = parseMultipart(
      Buffer.concat([
        Buffer.from('preamble to ignore\r\n'),
        body(
          b,
          part(b, 'Content-Disposition: form-data; name="token"', 'k1.abc.def'),
          part(b, 'content-disposition: form-data; name=List-Unsubscribe', 'One-Click'),
          part(b, 'Content-Disposition: form-data; name="first\\"Name"\r\nContent-Type: text/plain', 'Zoë'),
        ),
      ]),
      b,
    );
    expect(parsed).toEqual([
      ['token', 'k1.abc.def'],
      ['List-Unsubscribe', 'One-Click'],
      ['first"Name', 'Zoë'],
    ]);
  });

  it('skips file parts and parts without a name', () => {
    const b = 'b';
    expect(
      parseMultipart(
        body(
          b,
          part(b, 'Content-Disposition: form-data; name="token"; filename="t.txt"', 'file'),
          part(b, 'Content-Disposition: attachment', 'x'),
          part(b, 'Content-Disposition: form-data; name="a"', 'line one\r\nline two'),
        ),
        b,
      ),
    ).toEqual([['a', 'line one\r\nline two']]);
  });

  it('refuses a body that is not well formed', () => {
    const b = 'b';
    const ok = part(b, 'Content-Disposition: form-data; name="a"', '1');
    expect(parseMultipart(Buffer.from(ok), b)).toBeUndefined();
    expect(parseMultipart(Buffer.from('no delimiter at all'), b)).toBeUndefined();
    expect(
      parseMultipart(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="a"\r\n1\r\n--${b}--`), b),
    ).toBeUndefined();
    expect(parseMultipart(body(b, ...Array(MAX_PARTS + 1).fill(ok)), b)).toBeUndefined();
    expect(parseMultipart(body(b, ...Array(MAX_PARTS).fill(ok)), b)).toHaveLength(MAX_PARTS);
  });
});
