// framekit softphone: one WebRTC call to the bot, its live transcript and timings.
// Signalling: POST /webrtc/offer at once, the answer back, then the page's ICE candidates
// as it finds them (trickle ICE: PATCH /webrtc/calls/{id}, the answer's Location);
// ?trickle=0 posts the whole offer once ICE gathering is complete instead.
// Who calls: the dashboard's signed-in user (its session cookie, and the CSRF token
// GET /webrtc/config gives a session), else whoever pastes the API token.
// Events from the bot arrive on the "framekit" data channel (docs/webrtc.md lists them).
// window.framekit exposes the call's state and measurements (tests read them).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  // ?raw=1 turns the browser's echo cancellation, noise suppression and gain control
  // off: what the microphone gives is what the bot gets (tests, headsets).
  const processing = params.get("raw") !== "1";
  const TRICKLE = params.get("trickle") !== "0";
  const THRESHOLD = 0.02; // RMS (full scale 1.0) above which a 20 ms window has audio
  const BOT_QUIET_MS = 250; // bot silence that makes the next audio a new onset
  const MAX_EVENTS = 500;
  const MAX_LEVELS = 3000;

  const fk = {
    state: "idle",
    callId: null,
    timing: { clicked: null, gathered: null, answered: null, connected: null, ended: null },
    events: [],
    // levels: [ms since page load, RMS] of the bot's audio every 20 ms (the last 60 s).
    audio: { firstEnergyAt: null, energeticWindows: 0, maxRms: 0, levels: [] },
    mic: { lastActiveAt: null, energeticWindows: 0 },
    turns: [],
    endedBy: null,
    offerFilter: null, // optional function(sdp) -> sdp, applied before the offer is sent
    candidateFilter: null, // optional function(candidate line) -> bool, before one is trickled
    trickled: 0, // candidates sent after the offer
    auth: null, // "session" once the dashboard's session is found, else "token" when calling
    ready: false, // the session check on load is done
  };
  window.framekit = fk;

  let pc = null;
  let channel = null;
  let localStream = null;
  let audioContext = null;
  let meterTimer = null;
  let botQuietSince = 0;
  let micSinceOnset = false;
  let pendingServerTurns = [];
  let botItem = null;
  let userInterim = null;
  let csrf = null; // the dashboard session's CSRF token, for the offer

  function setStatus(state) {
    fk.state = state;
    $("status").textContent = state;
    $("status").dataset.state = state;
  }

  // The API token when one was typed, else the session's CSRF token (its cookie goes along).
  function authHeaders() {
    const value = $("token").value.trim();
    if (value) {
      sessionStorage.setItem("framekit-token", value);
      fk.auth = "token";
      return { Authorization: "Bearer " + value };
    }
    return csrf ? { "X-CSRF-Token": csrf } : {};
  }

  // Signed in to the dashboard? Then no token is needed; else offer the sign-in.
  async function checkSession() {
    const response = await fetch("/webrtc/config", { cache: "no-store" });
    const body = await response.json().catch(() => ({}));
    if (response.ok && body.csrf) {
      csrf = body.csrf;
      fk.auth = "session";
      $("token").value = "";
      $("token").required = false;
      $("token-label").hidden = true;
      $("signed-in").hidden = false;
    } else if (body.sign_in) {
      $("sign-in-link").href = body.sign_in;
      $("sign-in").hidden = false;
    }
  }

  function line(role, text, extra) {
    const item = document.createElement("li");
    item.className = role + (extra ? " " + extra : "");
    item.textContent = text;
    $("transcript").appendChild(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  // micEnd and heardAt: the turn's two instants in ms since page load
  // (performance.timeOrigin + ms is the wall clock, for lining up with the server's logs).
  function addTurn(serverMs, micEnd, heardAt) {
    const heardMs = Math.round(heardAt - micEnd);
    fk.turns.push({ server_ms: serverMs, heard_ms: heardMs, mic_end: micEnd, heard_at: heardAt });
    const row = document.createElement("tr");
    for (const value of [fk.turns.length, serverMs ?? "", heardMs ?? ""]) {
      const cell = document.createElement("td");
      cell.textContent = value;
      row.appendChild(cell);
    }
    $("turns").tBodies[0].appendChild(row);
  }

  function onEvent(message) {
    message.received = performance.now(); // when the page got it (ms since page load)
    if (fk.events.length < MAX_EVENTS) fk.events.push(message);
    switch (message.type) {
      case "speaking": {
        const el = message.who === "bot" ? $("bot-state") : $("user-state");
        el.dataset.speaking = String(message.speaking);
        el.textContent = (message.who === "bot" ? "bot " : "you ") +
          (message.speaking ? "speaking" : "silent");
        break;
      }
      case "transcript":
        if (message.role === "user") {
          if (!userInterim) userInterim = line("user", "", "interim");
          userInterim.textContent = message.text;
          if (message.final) {
            userInterim.classList.remove("interim");
            userInterim = null;
          }
        } else {
          botItem = line("bot", message.heard || "");
          if (!message.complete && message.text !== message.heard) {
            const cut = document.createElement("span");
            cut.className = "cut";
            cut.textContent = " " + message.text.slice(message.heard.length).trim();
            botItem.appendChild(cut);
          }
        }
        break;
      case "tool":
        line("tool", "tool " + message.name + ": " + message.phase);
        break;
      case "turn":
        pendingServerTurns.push(message.latency_ms);
        break;
      case "hangup":
        fk.endedBy = "bot";
        hangUp(false);
        break;
    }
  }

  function rms(analyser, buffer) {
    analyser.getFloatTimeDomainData(buffer);
    let sum = 0;
    for (let i = 0; i < buffer.length; i++) sum += buffer[i] * buffer[i];
    return Math.sqrt(sum / buffer.length);
  }

  // Energy of what the page hears from the bot and says into the microphone, every 20 ms:
  // the "heard" latency of a turn is from the microphone's last active window to the
  // bot's next onset of audio.
  function startMeters(remoteStream) {
    const bot = audioContext.createAnalyser();
    bot.fftSize = 1024;
    audioContext.createMediaStreamSource(remoteStream).connect(bot);
    const mic = audioContext.createAnalyser();
    mic.fftSize = 1024;
    audioContext.createMediaStreamSource(localStream).connect(mic);
    const buffer = new Float32Array(bot.fftSize);
    botQuietSince = performance.now();
    meterTimer = setInterval(() => {
      const now = performance.now();
      if (rms(mic, buffer) > THRESHOLD) {
        fk.mic.lastActiveAt = now;
        fk.mic.energeticWindows += 1;
        micSinceOnset = true;
      }
      const level = rms(bot, buffer);
      fk.audio.maxRms = Math.max(fk.audio.maxRms, level);
      if (fk.audio.levels.length >= MAX_LEVELS) fk.audio.levels.shift();
      fk.audio.levels.push([Math.round(now), Math.round(level * 1000) / 1000]);
      if (level > THRESHOLD) {
        fk.audio.energeticWindows += 1;
        if (fk.audio.firstEnergyAt === null) fk.audio.firstEnergyAt = now;
        // An onset while the microphone is still loud is the bot talking over the caller,
        // not an answer: it is no turn.
        const micQuiet = fk.mic.lastActiveAt !== null && fk.mic.lastActiveAt < now;
        const onset = botQuietSince !== null && now - botQuietSince >= BOT_QUIET_MS;
        if (onset && micSinceOnset && micQuiet) {
          addTurn(pendingServerTurns.shift() ?? null, fk.mic.lastActiveAt, now);
          micSinceOnset = false;
        }
        botQuietSince = null;
      } else if (botQuietSince === null) {
        botQuietSince = now;
      }
    }, 20);
  }

  async function waitForIce(connection) {
    if (connection.iceGatheringState === "complete") return;
    await new Promise((resolve) => {
      const check = () => {
        if (connection.iceGatheringState === "complete") {
          connection.removeEventListener("icegatheringstatechange", check);
          resolve();
        }
      };
      connection.addEventListener("icegatheringstatechange", check);
    });
  }

  // Candidates found after the offer, sent in order once the call's address is known;
  // null (gathering complete) becomes the end-of-candidates.
  function trickler(auth) {
    let location = null;
    let pending = [];
    let ended = false;
    let busy = false;
    let done = false;
    async function flush() {
      if (!location || busy || done || (!pending.length && !ended)) return;
      busy = true;
      const candidates = pending;
      const end = ended;
      pending = [];
      try {
        const response = await fetch(location, {
          method: "PATCH",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ candidates, end }),
        });
        if (!response.ok) throw new Error("candidates: HTTP " + response.status);
        fk.trickled += candidates.length;
        done = end;
      } finally {
        busy = false;
      }
      await flush();
    }
    const send = () =>
      flush().catch((error) => {
        if (pc) line("tool", error.message);
      });
    return {
      add(candidate) {
        if (candidate === null) ended = true;
        else if (candidate.candidate && (!fk.candidateFilter || fk.candidateFilter(candidate.candidate))) {
          pending.push(candidate.toJSON());
        }
        send();
      },
      start(url) {
        location = url;
        send();
      },
    };
  }

  async function call() {
    const auth = authHeaders();
    fk.timing.clicked = performance.now();
    setStatus("connecting");
    $("call").disabled = true;
    $("hangup").disabled = false;
    audioContext = new AudioContext();
    const config = await fetch("/webrtc/config", { headers: auth });
    if (!config.ok) throw new Error("config: HTTP " + config.status);
    const { iceServers } = await config.json();
    localStream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: processing,
        noiseSuppression: processing,
        autoGainControl: processing,
      },
    });
    pc = new RTCPeerConnection({ iceServers });
    for (const track of localStream.getAudioTracks()) pc.addTrack(track, localStream);
    channel = pc.createDataChannel("framekit");
    channel.onmessage = (e) => onEvent(JSON.parse(e.data));
    pc.ontrack = (e) => {
      const stream = e.streams[0] || new MediaStream([e.track]);
      $("remote").srcObject = stream; // Chromium feeds Web Audio only from a played stream
      startMeters(stream);
    };
    pc.onconnectionstatechange = () => {
      const state = pc && pc.connectionState;
      if (state === "connected") {
        fk.timing.connected = performance.now();
        setStatus("connected");
      } else if (state === "failed" || state === "closed") {
        fk.endedBy = fk.endedBy || "network";
        hangUp(false);
      }
    };
    const trickle = TRICKLE ? trickler(auth) : null;
    if (trickle) pc.onicecandidate = (e) => trickle.add(e.candidate);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    if (!trickle) await waitForIce(pc);
    fk.timing.gathered = performance.now(); // with trickle: when the offer is ready
    let sdp = trickle ? offer.sdp : pc.localDescription.sdp;
    if (typeof fk.offerFilter === "function") sdp = fk.offerFilter(sdp);
    const response = await fetch("/webrtc/offer", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "offer", sdp }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || "HTTP " + response.status);
    fk.callId = answer.call_id;
    fk.timing.answered = performance.now();
    await pc.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
    if (trickle) trickle.start(response.headers.get("Location") || "/webrtc/calls/" + answer.call_id);
  }

  function hangUp(byUser) {
    if (!pc) return;
    if (byUser) fk.endedBy = "caller";
    if (byUser && channel && channel.readyState === "open") {
      channel.send(JSON.stringify({ type: "hangup" }));
    }
    clearInterval(meterTimer);
    const closing = pc;
    pc = null;
    // Let the hang-up message leave before the connection closes.
    setTimeout(() => closing.close(), byUser ? 100 : 0);
    if (localStream) localStream.getTracks().forEach((t) => t.stop());
    if (audioContext) audioContext.close();
    fk.timing.ended = performance.now();
    setStatus("ended");
    $("call").disabled = false;
    $("hangup").disabled = true;
  }
  fk.hangUp = () => hangUp(true);
  fk.stats = async () => {
    // The inbound audio's counters: concealment means audio that did not arrive in time.
    const found = {};
    if (!pc) return found;
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") Object.assign(found, s);
    });
    return found;
  };

  for (const key of "123456789*0#") {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = key;
    button.addEventListener("click", () => {
      if (channel && channel.readyState === "open") {
        channel.send(JSON.stringify({ type: "dtmf", digit: key }));
      }
    });
    $("keypad").appendChild(button);
  }
  $("token").value = sessionStorage.getItem("framekit-token") || "";
  checkSession()
    .catch((error) => line("tool", "could not reach the server: " + error.message))
    .finally(() => {
      fk.ready = true;
    });
  $("dial").addEventListener("submit", (e) => {
    e.preventDefault();
    call().catch((error) => {
      fk.error = String(error);
      line("tool", "call failed: " + error.message);
      fk.endedBy = "error";
      hangUp(false);
      setStatus("failed");
    });
  });
  $("hangup").addEventListener("click", () => hangUp(true));
})();
