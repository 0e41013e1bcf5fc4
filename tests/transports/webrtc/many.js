// Many calls from one page: one RTCPeerConnection per call to /webrtc/offer, as call.js
// dials one, so N calls cost one renderer instead of N tabs (tests/transports/webrtc/many.py).
// Each call's microphone is the question (a decoded WAV) played by Web Audio into its own
// MediaStreamDestination a few seconds after it connects. Measured per call in the page:
// the bot's and the microphone's RMS every 20 ms (an AnalyserNode each), the data channel's
// events, and the inbound-rtp counters every `statsEvery` ms (concealment, packets).
"use strict";

(() => {
  const many = { calls: [], ticks: 0, maxTickMs: 0 };
  window.many = many;
  const peers = [];
  let context = null;

  function rms(analyser, buffer) {
    analyser.getFloatTimeDomainData(buffer);
    let sum = 0;
    for (let i = 0; i < buffer.length; i++) sum += buffer[i] * buffer[i];
    return Math.round(1000 * Math.sqrt(sum / buffer.length)) / 1000;
  }

  function waitForIce(pc) {
    return new Promise((resolve) => {
      const check = () => pc.iceGatheringState === "complete" && resolve();
      pc.addEventListener("icegatheringstatechange", check);
      check();
    });
  }

  async function dial(index, question, options) {
    const call = { index, events: [], bot: [], mic: [], stats: [], timing: {}, callId: null };
    many.calls[index] = call;
    const meters = { bot: null, mic: context.createAnalyser() };
    meters.mic.fftSize = 1024;
    const microphone = context.createMediaStreamDestination();
    const pc = new RTCPeerConnection({ iceServers: [] });
    peers[index] = { pc, meters, channel: null };
    pc.addTrack(microphone.stream.getAudioTracks()[0], microphone.stream);
    const channel = pc.createDataChannel("framekit");
    peers[index].channel = channel;
    channel.onmessage = (e) => {
      const message = JSON.parse(e.data);
      message.received = performance.now();
      call.events.push(message);
    };
    pc.ontrack = (e) => {
      const stream = e.streams[0] || new MediaStream([e.track]);
      const element = new Audio(); // Chromium feeds Web Audio only from a played stream
      element.muted = true;
      element.srcObject = stream;
      element.play().catch(() => {});
      meters.bot = context.createAnalyser();
      meters.bot.fftSize = 1024;
      context.createMediaStreamSource(stream).connect(meters.bot);
    };
    pc.onconnectionstatechange = () => {
      call.timing[pc.connectionState] = performance.now();
      if (pc.connectionState !== "connected") return;
      const source = context.createBufferSource();
      source.buffer = question;
      source.connect(microphone);
      source.connect(meters.mic);
      source.start(context.currentTime + options.questionAfter);
    };
    call.timing.dialled = performance.now();
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIce(pc);
    const response = await fetch("/webrtc/offer", {
      method: "POST",
      headers: { Authorization: "Bearer " + options.token, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "offer", sdp: options.offerFilter(pc.localDescription.sdp) }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || "HTTP " + response.status);
    call.callId = answer.call_id;
    // The bot's track id as the answer names it (aiortc's msid): the server's track.
    const msid = answer.sdp.split("\r\n").find((l) => l.startsWith("a=msid:"));
    call.trackId = msid ? msid.split(" ")[1] : null;
    await pc.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
  }

  function meter() {
    const now = performance.now();
    if (many.last) many.maxTickMs = Math.max(many.maxTickMs, now - many.last);
    many.last = now;
    many.ticks += 1;
    const buffer = meter.buffer || (meter.buffer = new Float32Array(1024));
    peers.forEach(({ meters }, i) => {
      if (meters.bot) many.calls[i].bot.push([Math.round(now), rms(meters.bot, buffer)]);
      many.calls[i].mic.push([Math.round(now), rms(meters.mic, buffer)]);
    });
  }

  const COUNTERS = [
    "packetsReceived",
    "packetsLost",
    "totalSamplesReceived",
    "concealedSamples",
    "silentConcealedSamples",
    "concealmentEvents",
    "jitterBufferDelay",
    "jitterBufferEmittedCount",
    "insertedSamplesForDeceleration",
    "removedSamplesForAcceleration",
  ];
  many.counters = COUNTERS;

  async function poll() {
    await Promise.all(
      peers.map(async ({ pc }, i) => {
        if (pc.connectionState !== "connected") return;
        const now = Math.round(performance.now());
        (await pc.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "audio") {
            many.calls[i].stats.push([now, ...COUNTERS.map((name) => s[name] ?? 0)]);
          }
        });
      }),
    );
  }

  many.start = async (options) => {
    context = new AudioContext({ sampleRate: 48000 });
    const bytes = Uint8Array.from(atob(options.wav), (c) => c.charCodeAt(0));
    const question = await context.decodeAudioData(bytes.buffer);
    options.offerFilter = eval(options.offerFilter);
    setInterval(meter, 20);
    let polling = false;
    setInterval(async () => {
      if (polling) return;
      polling = true;
      await poll().finally(() => (polling = false));
    }, options.statsEvery);
    const dials = [];
    for (let i = 0; i < options.count; i++) {
      dials.push(dial(i, question, options).catch((e) => (many.calls[i].error = String(e))));
      await new Promise((r) => setTimeout(r, options.stagger));
    }
    await Promise.all(dials);
  };

  // Calls that had a turn (the bot answered) and whose bot has been silent `quietMs` since.
  many.answered = (quietMs) =>
    many.calls.filter((c) => {
      const flips = c.events.filter((e) => e.type === "speaking" && e.who === "bot");
      const last = flips[flips.length - 1];
      return (
        c.events.some((e) => e.type === "turn") &&
        last && !last.speaking && performance.now() - last.received > quietMs
      );
    }).length;

  many.hangUpAll = () =>
    peers.forEach(({ pc, channel }) => {
      if (channel.readyState === "open") channel.send(JSON.stringify({ type: "hangup" }));
      setTimeout(() => pc.close(), 100);
    });
})();
