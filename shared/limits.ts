/**
 * Limits shared by the widget and the worker, so that the widget can refuse an oversize
 * message before sending it and the worker enforces the very same number.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024;
/** Largest JSON body the public API accepts (a message plus its envelope). */
export const MAX_BODY_BYTES = 16 * 1024;
/** Largest WebSocket frame a visitor may send. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Messages returned by one transcript page. */
export const TRANSCRIPT_PAGE = 200;

/** Staff passwords are at least this long (and not a common password; the server checks). */
export const MIN_PASSWORD_LENGTH = 10;
