// SPDX-License-Identifier: LGPL-2.1-or-later
// The card step of /login/second-factor: a challenge from the portal, a cns-auth:1 proof from
// tscnsd (its dialog asks consent and the PIN), then the proof back to the portal.
import { CnsAuth, DaemonUnreachableError, NoCardError, PinIncorrectError } from "./cns-auth.js";

const button = document.getElementById("card-login");
const status = document.getElementById("card-status");
const csrf = document.querySelector('meta[name="csrf-token"]').content;

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body ?? {}),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { error: { code: "BAD_RESPONSE", message: "Risposta non valida dal portale." } };
  }
  return { status: response.status, data };
}

async function login() {
  button.disabled = true;
  show("working", "Richiesta della verifica al portale...");
  try {
    const challenge = await post("/login/card/challenge");
    if (challenge.data.error) {
      show("error", challenge.data.error.message);
      if (challenge.data.error.code === "SESSION_EXPIRED") window.location.assign("/login");
      return;
    }
    const { challenge: value, context, tscnsdPort } = challenge.data;
    show("working", "Conferma e inserisci il PIN nella finestra della tessera...");
    const cns = CnsAuth({ port: tscnsdPort });
    const { token } = await cns.authenticate({ challenge: value, context, lang: "it" });
    show("working", "Verifica della tessera...");
    const verified = await post("/login/card/verify", { token });
    if (verified.data.redirect) {
      show("done", "Accesso riuscito.");
      window.location.assign(verified.data.redirect);
      return;
    }
    show("error", verified.data.error?.message ?? "Accesso con la tessera non riuscito.");
    if (verified.data.error?.code === "SESSION_EXPIRED") window.location.assign("/login");
  } catch (e) {
    if (e instanceof DaemonUnreachableError) {
      show("error", "Il servizio della tessera (tscnsd) non risponde: e' installato e avviato?");
    } else if (e instanceof NoCardError) {
      show("error", "Inserisci la tessera nel lettore e riprova.");
    } else if (e instanceof PinIncorrectError) {
      show("error", `PIN errato: restano ${e.pinTriesLeft ?? "pochi"} tentativi.`);
    } else {
      show("error", e?.message ?? String(e));
    }
  } finally {
    button.disabled = false;
  }
}

button.addEventListener("click", login);
button.disabled = false;
show("ready", "");
