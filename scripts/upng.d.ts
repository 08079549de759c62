/** The one function of upng-js (no types published) the lesson pictures use. */
declare module 'upng-js' {
  /** Encodes RGBA frames as PNG; `colors` > 0 quantizes to a palette of that many colours. */
  function encode(frames: ArrayBuffer[], width: number, height: number, colors: number): ArrayBuffer;
  const UPNG: { encode: typeof encode };
  export default UPNG;
}
