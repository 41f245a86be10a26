// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * @file cns-auth.js: the portal page's client for tscnsd, the local TS-CNS daemon (protocol
 * cns-auth:1). An ES module without dependencies.
 *
 * @example
 * import { CnsAuth, NoCardError, DaemonUnreachableError } from "./cns-auth.js";
 * const cns = CnsAuth({ port: 47123 });
 * const controller = new AbortController();
 * try {
 *   const { token, warnings } = await cns.authenticate({
 *     challenge, context: "fse-login-2fa", lang: "it", expectedCardId, signal: controller.signal,
 *   });
 *   await postToLoginService(token); // unchanged: the server rebuilds and verifies everything
 * } catch (e) {
 *   if (e instanceof DaemonUnreachableError) showInstallHelp();
 *   else if (e instanceof NoCardError) showInsertCard();
 *   else showError(e.code, e.message);
 * }
 *
 * The page must list http://127.0.0.1:<port> in its CSP connect-src. A network failure cannot tell
 * "daemon not installed" from "permission denied" or "origin not allowed" (the daemon answers
 * unknown origins without CORS headers, so the browser hides the answer): all of them surface as
 * DaemonUnreachableError.
 */

/** The daemon's registered loopback port. */
export const DEFAULT_PORT = 47123;

/** The protocol this client speaks. */
export const PROTOCOL = "cns-auth:1";

/**
 * Base class of every error this module throws (except the standard AbortError when the caller's
 * signal aborts).
 */
export class CnsAuthError extends Error {
  /**
   * @param {string} message
   * @param {{code?: string, retriable?: boolean, pinTriesLeft?: number, status?: number,
   *   retryAfter?: number, cause?: unknown}} [details]
   */
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    /** @type {string} the daemon's error code (cns-auth.md §3.3), e.g. "NO_CARD" */
    this.code = details.code ?? "INTERNAL";
    /** @type {boolean} whether the same request may succeed later (after the user acts) */
    this.retriable = details.retriable ?? false;
    /** @type {number|undefined} PIN_INCORRECT only: tries left before the PIN blocks */
    this.pinTriesLeft = details.pinTriesLeft;
    /** @type {number|undefined} the HTTP status of the daemon's answer */
    this.status = details.status;
    /** @type {number|undefined} seconds to wait (rate limit) */
    this.retryAfter = details.retryAfter;
  }
}

/** ORIGIN_NOT_ALLOWED (normally seen as DaemonUnreachableError: the answer is not readable). */
export class OriginNotAllowedError extends CnsAuthError {}
/** BAD_REQUEST: schema violation, wrong headers, oversize body. */
export class BadRequestError extends CnsAuthError {}
/** BUSY: another operation is in flight, or the per-origin rate limit was reached. */
export class BusyError extends CnsAuthError {}
/** NO_READER: no smart card reader (or no PC/SC service). */
export class NoReaderError extends CnsAuthError {}
/** NO_CARD: no card in the reader, or it was removed during the operation. */
export class NoCardError extends CnsAuthError {}
/** CARD_NOT_SUPPORTED: the card is not a TS-CNS. */
export class CardNotSupportedError extends CnsAuthError {}
/** CARD_MISMATCH: the card is not the one `expectedCardId` names (no PIN was asked). */
export class CardMismatchError extends CnsAuthError {}
/** USER_CANCELLED: the user closed the dialog (or the page cancelled). */
export class UserCancelledError extends CnsAuthError {}
/** USER_TIMEOUT: the dialog was not answered in time. */
export class UserTimeoutError extends CnsAuthError {}
/** PIN_INCORRECT: wrong PIN; see pinTriesLeft. */
export class PinIncorrectError extends CnsAuthError {}
/** PIN_BLOCKED: the PIN is blocked; the user must unblock it with the PUK. */
export class PinBlockedError extends CnsAuthError {}
/** CERT_EXPIRED_LOCAL: sent as a warning next to a token, never thrown by this module. */
export class CertExpiredLocalError extends CnsAuthError {}
/** INTERNAL: anything else (also an unreadable answer). */
export class InternalError extends CnsAuthError {}
/** The daemon could not be reached: not installed, not running, blocked, or not permitted. */
export class DaemonUnreachableError extends CnsAuthError {}

const ERROR_CLASSES = Object.freeze({
  ORIGIN_NOT_ALLOWED: OriginNotAllowedError,
  BAD_REQUEST: BadRequestError,
  BUSY: BusyError,
  NO_READER: NoReaderError,
  NO_CARD: NoCardError,
  CARD_NOT_SUPPORTED: CardNotSupportedError,
  CARD_MISMATCH: CardMismatchError,
  USER_CANCELLED: UserCancelledError,
  USER_TIMEOUT: UserTimeoutError,
  PIN_INCORRECT: PinIncorrectError,
  PIN_BLOCKED: PinBlockedError,
  CERT_EXPIRED_LOCAL: CertExpiredLocalError,
  INTERNAL: InternalError,
});

/**
 * @typedef {object} Status
 * @property {string} protocol "cns-auth:1"
 * @property {string} version daemon version
 * @property {number} readers number of readers
 * @property {boolean} cardPresent whether a card is inserted
 */

/**
 * @typedef {object} Warning
 * @property {string} code e.g. "CERT_EXPIRED_LOCAL"
 * @property {string} message
 */

/**
 * @typedef {object} AuthenticateResult
 * @property {object} token the cns-auth:1 token: post it to the login service unchanged
 * @property {Warning[]} warnings e.g. CERT_EXPIRED_LOCAL (the server decides)
 */

/**
 * @typedef {object} IdentityResult
 * @property {string} certificate base64 DER authentication certificate. NOT authentication:
 *   replayable; take the identity from the verified token instead.
 * @property {Warning[]} warnings
 */

function isAbort(error, signal) {
  return (signal && signal.aborted) || (error && error.name === "AbortError");
}

function errorFrom(data, status, retryAfterHeader) {
  const e = data && typeof data === "object" ? data.error : undefined;
  const code = e && typeof e.code === "string" ? e.code : "INTERNAL";
  const Cls = ERROR_CLASSES[code] ?? InternalError;
  const retryAfter = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : undefined;
  return new Cls(e && typeof e.message === "string" ? e.message : `Daemon error ${status}`, {
    code,
    retriable: Boolean(e && e.retriable),
    pinTriesLeft: e && Number.isInteger(e.pinTriesLeft) ? e.pinTriesLeft : undefined,
    status,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
  });
}

/** A client for one daemon port. Create it with {@link CnsAuth}. */
export class CnsAuthClient {
  #base;
  #fetch;

  /**
   * @param {{port?: number, host?: string, fetch?: typeof fetch}} [options] host is
   *   "127.0.0.1" (default), "[::1]" or "localhost"; fetch is for tests.
   */
  constructor({ port = DEFAULT_PORT, host = "127.0.0.1", fetch: fetchImpl } = {}) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError("bad port");
    if (!["127.0.0.1", "[::1]", "localhost"].includes(host)) throw new TypeError("bad host");
    this.#base = `http://${host}:${port}`;
    this.#fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * Is the daemon there, and is a card inserted? No personal data is returned.
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<Status>}
   */
  async status({ signal } = {}) {
    return this.#request("GET", "/v1/status", undefined, signal);
  }

  /**
   * Reads the card's certificate after the user consents in the daemon's dialog. This is not
   * authentication (the answer is replayable).
   * @param {{lang?: "it"|"en", signal?: AbortSignal}} [options]
   * @returns {Promise<IdentityResult>}
   */
  async identity({ lang = "it", signal } = {}) {
    const data = await this.#withCancelOnAbort(signal, () =>
      this.#request("POST", "/v1/identity", { lang }, signal));
    return { certificate: data.certificate, warnings: data.warnings ?? [] };
  }

  /**
   * Proves possession of the card and knowledge of its PIN over the server's challenge. The
   * request stays open while the user answers the daemon's dialog (up to about 2 minutes).
   * Aborting `signal` cancels the dialog.
   * @param {{challenge: string, context: string, lang?: "it"|"en", expectedCardId?: string,
   *   signal?: AbortSignal}} options challenge: base64url (43-128 characters) from the login
   *   service; context: [a-z0-9-]{1,64}; expectedCardId: 16 digits of EF_IDCarta (never the
   *   20-digit number printed on the card).
   * @returns {Promise<AuthenticateResult>}
   */
  async authenticate({ challenge, context, lang = "it", expectedCardId, signal } = {}) {
    if (typeof challenge !== "string" || typeof context !== "string") {
      throw new BadRequestError("challenge and context are required", { code: "BAD_REQUEST" });
    }
    /** @type {Record<string, unknown>} */
    const body = { challenge, context, lang };
    if (expectedCardId !== undefined && expectedCardId !== null) {
      body.expected = { cardId: String(expectedCardId) };
    }
    const data = await this.#withCancelOnAbort(signal, () =>
      this.#request("POST", "/v1/authenticate", body, signal));
    return { token: data.token, warnings: data.warnings ?? [] };
  }

  /**
   * Cancels this origin's operation in flight (its dialog closes). Resolves even when there is
   * none.
   * @returns {Promise<void>}
   */
  async cancel() {
    await this.#request("POST", "/v1/cancel", {}, undefined, true);
  }

  async #withCancelOnAbort(signal, run) {
    if (!signal) return run();
    // The aborted fetch closes the connection, which the daemon notices; the explicit cancel
    // also reaches it when the browser keeps the connection.
    const onAbort = () => {
      this.cancel().catch(() => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await run();
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async #request(method, path, body, signal, keepalive = false) {
    signal?.throwIfAborted?.();
    /** @type {RequestInit & {targetAddressSpace?: string}} */
    const init = {
      method,
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      referrerPolicy: "no-referrer",
      // Local Network Access (Chromium): a loopback request with the user's permission.
      targetAddressSpace: "loopback",
      headers: { "X-CNS-Client": "1" },
      signal,
      keepalive,
    };
    if (method === "POST") {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body ?? {});
    }
    let response;
    try {
      response = await this.#fetch(this.#base + path, init);
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      throw new DaemonUnreachableError(
        "The TS-CNS daemon cannot be reached (not installed, not running, or not permitted)",
        { code: "DAEMON_UNREACHABLE", retriable: true, cause: error },
      );
    }
    if (response.status === 204) return null;
    let data;
    try {
      data = await response.json();
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      throw new InternalError("The daemon's answer is not JSON", {
        code: "INTERNAL",
        status: response.status,
        cause: error,
      });
    }
    if (!response.ok) throw errorFrom(data, response.status, response.headers.get("Retry-After"));
    return data;
  }
}

/**
 * Creates a client.
 * @param {{port?: number, host?: string, fetch?: typeof fetch}} [options]
 * @returns {CnsAuthClient}
 */
export function CnsAuth(options = {}) {
  return new CnsAuthClient(options);
}

export default CnsAuth;
