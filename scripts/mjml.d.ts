// mjml 5 ships no types; this covers the one call the email build makes.
declare module 'mjml' {
  interface MjmlError {
    line: number;
    message: string;
    tagName: string;
    formattedMessage: string;
  }
  interface MjmlOptions {
    validationLevel?: 'strict' | 'soft' | 'skip';
    filePath?: string;
    ignoreIncludes?: boolean;
    includePath?: string | string[];
    keepComments?: boolean;
    minify?: boolean;
    /** Passed to htmlnano when `minify` is on. */
    minifyOptions?: { minifyCss?: boolean };
    beautify?: boolean;
  }
  export default function mjml2html(
    mjml: string,
    options?: MjmlOptions,
  ): Promise<{ html: string; errors: MjmlError[] }>;
}
