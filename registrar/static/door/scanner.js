/* registrar door scanner: camera, scanner-gun field and name search; one verdict on screen.
 *
 * Every reading gets a nonce and its time when it is read. If it cannot be sent (no network),
 * it waits in localStorage and is sent again with offline: true, its nonce and its time; the
 * server answers a repeated nonce with its first answer, so sending twice is harmless.
 * The page's words come from the template (#door-config), in the staff member's language.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("door-config").textContent);
  var T = config.text;
  var QUEUE_KEY = "registrar.door.queue.v1." + config.eventId;
  var GATE_KEY = "registrar.door.gate";
  var CAMERA_REPEAT_MS = 3000; // the same code seen again by the camera within this is ignored
  // A guest who never answered ("ask") may wait for door staff to decide: longer on screen.
  var SHOW_MS = { good: 2500, warn: 3000, bad: 3000, wait: 3000, ask: 8000 };
  var REQUEST_TIMEOUT_MS = 8000;
  var SYNC_EVERY_MS = 5000;
  var OCCUPANCY_EVERY_MS = 10000;
  var SCAN_EVERY_MS = 200;
  var BADGE = /^B1:(\d{1,12}):(\d{1,12}):(\d{1,12}):[A-Z2-7]{16}$/;

  var $ = function (id) { return document.getElementById(id); };
  var els = {
    code: $("code"), codeForm: $("code-form"), gate: $("gate"),
    occupancyInside: $("occupancy-inside"), occupancyCapacity: $("occupancy-capacity"),
    pending: $("pending"), offlineBanner: $("offline-banner"), accessBanner: $("access-banner"),
    notes: $("notes"), exitNote: $("exit-note"),
    cameraToggle: $("camera-toggle"), cameraState: $("camera-state"),
    cameraView: $("camera-view"), video: $("camera-video"),
    search: $("search"), results: $("results"), recent: $("recent"),
    verdict: $("verdict"), verdictTitle: $("verdict-title"), verdictDetail: $("verdict-detail"),
    verdictGuest: $("verdict-guest"), verdictName: $("verdict-name"),
    verdictNameOther: $("verdict-name-other"), verdictOrg: $("verdict-org"),
    verdictCompanion: $("verdict-companion"),
    verdictChannel: $("verdict-channel"), verdictChannelBig: $("verdict-channel-big"),
    verdictChannelName: $("verdict-channel-name"), vip: $("verdict-vip"),
    seat: $("verdict-seat"), seatLabel: $("verdict-seat-label"),
    receiverForm: $("verdict-receiver"), receiver: $("receiver"),
    returned: $("verdict-returned"), override: $("verdict-override"), letIn: $("verdict-let-in"),
    letInGroup: $("verdict-let-in-group"), letInChannel: $("verdict-let-in-channel"),
    message: $("verdict-message")
  };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function newNonce() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID exists only in secure contexts; a LAN address over http is not one.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  var timeFormat = (function () {
    try {
      return new Intl.DateTimeFormat(config.lang === "zh" ? "zh-Hant-TW" : "en-GB", {
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
        timeZone: config.timezone
      });
    } catch (e) {
      return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    }
  })();

  function clock(iso) {
    var when = new Date(iso);
    return isNaN(when.getTime()) ? "" : timeFormat.format(when);
  }

  function direction() {
    var chosen = document.querySelector("input[name=direction]:checked");
    return chosen ? chosen.value : "in";
  }

  function gate() {
    return els.gate.value.trim().slice(0, 64);
  }

  /* ---- talking to the server ---------------------------------------------------------- */

  function NetworkError() { this.name = "NetworkError"; }
  function HttpError(status, code, message) {
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.message = message;
  }

  function request(method, url, body) {
    if (navigator.onLine === false) {
      return Promise.reject(new NetworkError());
    }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = config.csrfToken;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      clearTimeout(timer);
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok && data) {
          return data;
        }
        var error = (data && data.error) || {};
        throw new HttpError(response.status, error.code || "", error.message || response.statusText);
      });
    }, function () {
      clearTimeout(timer);
      throw new NetworkError();
    });
  }

  function isAccessError(error) {
    // A lost session fails the CSRF check before the login check: not the scan's fault either.
    return error instanceof HttpError &&
      (error.status === 401 || error.status === 410 || error.code === "csrf_failed");
  }

  /* ---- the offline queue -------------------------------------------------------------- */

  function readQueue() {
    try {
      var items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function writeQueue(items) {
    try {
      localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    } catch (e) {
      note(T.serverError);
    }
    showPending();
  }

  function enqueue(item) {
    var items = readQueue();
    if (!items.some(function (other) { return other.body.nonce === item.body.nonce; })) {
      item.body.offline = true;
      items.push(item);
      writeQueue(items);
    }
  }

  function dequeue(nonce) {
    writeQueue(readQueue().filter(function (item) { return item.body.nonce !== nonce; }));
  }

  function showPending() {
    var count = readQueue().length;
    els.pending.hidden = count === 0;
    els.pending.textContent = fill(T.pending, { n: count });
    document.body.classList.toggle("door-has-pending", count > 0);
  }

  var syncing = false;

  function sync() {
    if (syncing || navigator.onLine === false) {
      return Promise.resolve();
    }
    var items = readQueue();
    if (!items.length) {
      return Promise.resolve();
    }
    syncing = true;
    // One at a time and in order, so that an entry is sent before the exit read after it.
    var next = function (index) {
      if (index >= items.length) {
        return Promise.resolve();
      }
      var item = items[index];
      return request("POST", item.url, item.body).then(function (answer) {
        dequeue(item.body.nonce);
        if (answer.verdict) {
          answered(answer, item, { synced: true });
          if (answer.verdict === "no_answer" && answer.guest) {
            // Shown "saved, will sync" while offline, so perhaps let in: the desk should know.
            note(fill(T.noAnswerSynced, { name: names(answer.guest).filter(Boolean).join(" · ") }));
          }
          if (answer.verdict === "other_session" && answer.guest) {
            // Likewise for a guest confirmed for another session only.
            note(fill(T.otherSessionSynced, { name: names(answer.guest).filter(Boolean).join(" · ") }));
          }
        }
        return next(index + 1);
      }, function (error) {
        if (error instanceof NetworkError || (error instanceof HttpError && error.status >= 500)) {
          return null; // kept; tried again later
        }
        if (isAccessError(error) || (error instanceof HttpError && error.status === 429)) {
          if (isAccessError(error)) {
            accessLost();
          }
          return null; // kept: not this scan's fault
        }
        dequeue(item.body.nonce);
        note(fill(T.refused, { message: (error && error.message) || "", label: item.label }));
        return next(index + 1);
      });
    };
    return next(0).then(function () { syncing = false; }, function () { syncing = false; });
  }

  /* ---- status: occupancy, online, notes ----------------------------------------------- */

  function showOccupancy(counts) {
    if (counts && typeof counts.inside === "number") {
      els.occupancyInside.textContent = counts.inside;
      els.occupancyCapacity.textContent = counts.capacity;
      document.body.classList.toggle("door-full", counts.inside >= counts.capacity);
    }
    if (counts && counts.sessions) {
      // An event whose guests choose sessions: each session's row, as the page drew it.
      counts.sessions.forEach(function (s) {
        var row = document.querySelector('#door-sessions tr[data-session="' + s.id + '"]');
        if (!row) { return; }
        row.classList.toggle("door-session-current", s.current);
        row.querySelector(".door-session-counted").textContent = s.counted + " / " + s.confirmed;
        row.querySelector(".door-session-needed").textContent =
          "EN " + s.receivers_en + " · 中文 " + s.receivers_zh;
        row.querySelector(".door-session-receivers").textContent =
          s.receivers_handed_out + " / " + s.receivers_returned;
      });
    }
  }

  function pollOccupancy() {
    if (document.hidden) {
      return;
    }
    request("GET", config.urls.occupancy).then(showOccupancy, function (error) {
      if (isAccessError(error)) {
        accessLost();
      }
    });
  }

  function showOnline() {
    var offline = navigator.onLine === false;
    els.offlineBanner.hidden = !offline;
    document.body.classList.toggle("door-offline", offline);
  }

  function accessLost() {
    els.accessBanner.textContent = T.accessLost;
    els.accessBanner.hidden = false;
    if (window.registrarDoorList) { window.registrarDoorList.forget(); }
  }

  function note(text) {
    var item = document.createElement("li");
    item.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "small";
    close.textContent = "×";
    close.setAttribute("aria-label", "OK");
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    els.notes.appendChild(item);
  }

  /* ---- sound and vibration -------------------------------------------------------------- */

  var audio = null;

  function wakeAudio() {
    // Browsers allow sound only after the user has touched the page.
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      try {
        audio = new (window.AudioContext || window.webkitAudioContext)();
      } catch (e) {
        audio = null;
      }
    }
    if (audio && audio.state === "suspended") {
      audio.resume();
    }
  }

  function tone(frequency, start, length, type) {
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    oscillator.type = type;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + length);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(audio.currentTime + start);
    oscillator.stop(audio.currentTime + start + length + 0.02);
  }

  function signal(kind) {
    try {
      if (navigator.vibrate) {
        navigator.vibrate(kind === "good" ? 80 : kind === "warn" ? [120, 80, 120] : [300, 100, 300]);
      }
      if (audio && audio.state === "running") {
        if (kind === "good") {
          tone(880, 0, 0.09, "sine");
          tone(1320, 0.1, 0.12, "sine");
        } else if (kind === "warn") {
          tone(660, 0, 0.15, "triangle");
          tone(660, 0.22, 0.15, "triangle");
        } else {
          tone(180, 0, 0.45, "square");
        }
      }
    } catch (e) {
      // Sound and vibration are extras; the screen says it all.
    }
  }

  /* ---- the verdict on screen ------------------------------------------------------------ */

  var verdictTimer = null;
  var shown = null; // {answer, item} of the verdict on screen

  function kindOf(verdict) {
    if (verdict === "ok") { return "good"; }
    if (verdict === "already_checked_in") { return "warn"; }
    if (verdict === "no_answer") { return "ask"; }
    // Confirmed, for another session: a question for a door lead, as a guest with no answer.
    if (verdict === "other_session") { return "ask"; }
    return "bad";
  }

  function names(guest) {
    var first = config.lang === "zh" ? guest.name_zh || guest.name_en : guest.name_en || guest.name_zh;
    var second = first === guest.name_en ? guest.name_zh : guest.name_en;
    return [first || "", second && second !== first ? second : ""];
  }

  function show(view) {
    clearTimeout(verdictTimer);
    var box = els.verdict;
    box.className = "verdict verdict-" + view.kind + (view.provisional ? " verdict-provisional" : "");
    els.verdictTitle.textContent = view.title;
    els.verdictDetail.textContent = view.detail || "";
    els.verdictDetail.hidden = !view.detail;

    var guest = view.guest;
    // A guest the protocol desk meets: said in large type, in both languages.
    els.vip.hidden = !view.vip;
    // The reserved seat to show the guest to (the seating plan's label).
    els.seat.hidden = !view.seat;
    els.seatLabel.textContent = view.seat || "";
    els.verdictGuest.hidden = !guest;
    if (guest) {
      var pair = names(guest);
      els.verdictName.textContent = pair[0];
      els.verdictNameOther.textContent = pair[1];
      els.verdictNameOther.hidden = !pair[1];
      var category = document.createElement("span");
      category.className = "verdict-category";
      // An accompanying person is shown by their role and the guest they come with.
      var role = guest.companion_role;
      category.textContent = role
        ? config.companionRoles[role] || role
        : config.categories[guest.category] || guest.category || "";
      els.verdictOrg.textContent = guest.organization ? guest.organization + " · " : "";
      els.verdictOrg.appendChild(category);
      var principal = role ? names({
        name_en: guest.principal_name_en || "", name_zh: guest.principal_name_zh || ""
      }).filter(Boolean).join(" · ") : "";
      els.verdictCompanion.hidden = !principal;
      els.verdictCompanion.textContent = principal ? fill(T.accompanying, { name: principal }) : "";
    }

    var channel = view.channel;
    els.verdictChannel.hidden = !channel;
    if (channel) {
      var about = config.channels[channel] || config.channels.none;
      els.verdictChannelBig.textContent = about.big;
      els.verdictChannelName.textContent = about.name;
      els.verdictChannel.setAttribute("data-channel", channel);
    }

    els.receiverForm.hidden = !view.askReceiver;
    els.receiver.value = view.askReceiver ? (guest.receiver || "") : "";
    els.returned.hidden = !view.receiverOut;
    if (view.receiverOut) {
      els.returned.textContent = fill(T.receiverReturn, { receiver: view.receiverOut });
    }
    els.override.hidden = !view.canOverride;
    els.letInGroup.hidden = !view.canLetIn;
    showLead(view);
    els.message.hidden = !view.message;
    els.message.textContent = view.message || "";

    box.hidden = false;
    shown = view;
    signal(view.kind === "wait" || view.kind === "ask" ? "warn" : view.kind);
    // A door lead reads and chooses: the verdict stays until they are done.
    armTimer(view.leadMay ? LEAD_SHOW_MS : SHOW_MS[view.kind] || 3000);
  }

  function armTimer(ms) {
    clearTimeout(verdictTimer);
    verdictTimer = setTimeout(hideVerdict, ms);
  }

  function hideVerdict() {
    clearTimeout(verdictTimer);
    els.verdict.hidden = true;
    shown = null;
    readyForNext();
  }

  function readyForNext() {
    // A phone scanning with its camera keeps the on-screen keyboard away; a laptop with a
    // scanner gun wants the code field focused for the next badge.
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (!(camera.running && touch) && document.activeElement !== els.search) {
      els.code.focus({ preventScroll: true });
    }
  }

  function viewOf(answer, item) {
    var verdict = answer.verdict;
    var exit = answer.direction === "out";
    var guest = answer.guest;
    var view = {
      kind: kindOf(verdict),
      title: verdict === "ok" && exit ? config.verdicts.ok_out : config.verdicts[verdict] || verdict,
      detail: config.advice[verdict] || "",
      guest: guest,
      answer: answer,
      item: item,
      vip: Boolean(guest && guest.vip && !exit),
      seat: guest && !exit && verdict !== "revoked" ? guest.seat_label || "" : ""
    };
    if (verdict === "revoked" && answer.deputy) {
      // The guest sent a deputy: the old badge is refused, and the door says whom they sent.
      view.detail = fill(T.sentDeputy, { name: names(answer.deputy).filter(Boolean).join(" · ") });
    }
    if (verdict === "other_session" && answer.other_session) {
      // The sessions the guest is confirmed for, and when.
      var told = answer.other_session.sessions.map(function (s) {
        var title = config.lang === "zh" ? s.title_zh || s.title_en : s.title_en || s.title_zh;
        return fill(T.sessionAt, { title: title, time: s.time });
      });
      view.detail = fill(T.otherSession, { sessions: told.join("; ") });
    }
    if (verdict === "already_checked_in" && answer.first_scan) {
      var first = answer.first_scan;
      view.detail = first.gate
        ? fill(T.firstScan, { time: clock(first.at), gate: first.gate })
        : fill(T.firstScanNoGate, { time: clock(first.at) });
    }
    if (guest && !exit && (verdict === "ok" || verdict === "already_checked_in")) {
      // Every interpretation channel has its entry in config.channels; the floor language
      // (no receiver) and no answer have none.
      var hasReceiver = guest.channel && guest.channel !== "none" && config.channels[guest.channel];
      view.channel = hasReceiver ? guest.channel : "none";
      view.askReceiver = verdict === "ok" && view.channel !== "none";
    }
    if (guest && exit && verdict === "ok" && guest.receiver && !guest.receiver_returned) {
      view.receiverOut = guest.receiver;
    }
    view.canOverride = verdict === "room_full" && config.canOverride;
    if (verdict === "no_answer" && answer.no_answer && !exit) {
      // The event's policy: to the desk, or in when a seat is free (recorded as attending).
      var letIn = answer.no_answer.policy === "let_in";
      if (letIn) {
        view.detail = answer.no_answer.seat_free ? T.noAnswerSeatFree : T.noAnswerFull;
      }
      view.canLetIn = letIn && answer.no_answer.seat_free && !answer.replayed;
    }
    // Where the event's own "Let in" is offered, no lead's reason is needed.
    view.leadMay = Boolean(config.canOverride && guest && !exit && !view.canLetIn &&
      LEAD_VERDICTS.indexOf(verdict) >= 0);
    return view;
  }

  function provisionalView(item) {
    var code = item.body.code || "";
    var view = {
      kind: "wait", provisional: true, title: T.provisional, detail: T.provisionalDetail, item: item
    };
    var match = BADGE.exec(code.trim().toUpperCase());
    if (item.kind === "scan" && !match) {
      view.kind = "bad";
      view.message = T.provisionalInvalid;
    } else if (match && Number(match[1]) !== config.eventId) {
      view.kind = "bad";
      view.message = T.provisionalWrongEvent;
    } else if (item.kind === "scan" && item.body.direction === "in") {
      var key = code.trim().toUpperCase();
      if (seenHere[key]) {
        view.kind = "warn";
        view.message = T.provisionalRepeat;
      }
      seenHere[key] = true; // a second offline scan of this badge is flagged
    }
    // The door list kept on this device (door-list.js) names the guest and refuses what it can.
    return window.registrarDoorList ? window.registrarDoorList.offlineView(view, item) : view;
  }

  /* ---- what the door remembers of this session ---------------------------------------- */

  var seenHere = {}; // badge codes let in on this device, for the provisional offline verdict

  function remember(answer, item, flags) {
    var code = (item.body.code || "").trim().toUpperCase();
    if (code && answer && answer.verdict === "ok") {
      if (answer.direction === "in") { seenHere[code] = true; } else { delete seenHere[code]; }
    }
    var entry = document.createElement("li");
    var nonce = item.body.nonce || "";
    entry.setAttribute("data-nonce", nonce);
    var kind = answer ? kindOf(answer.verdict) : "wait";
    entry.className = "door-recent-item door-recent-" + kind;
    var time = document.createElement("span");
    time.className = "door-recent-time";
    time.textContent = clock(item.body.scanned_at || new Date().toISOString());
    var what = document.createElement("span");
    what.className = "door-recent-verdict";
    what.textContent = answer
      ? (answer.verdict === "ok" && answer.direction === "out"
        ? config.verdicts.ok_out : config.verdicts[answer.verdict] || answer.verdict)
      : T.provisional;
    var who = document.createElement("span");
    who.className = "door-recent-who";
    who.textContent = answer && answer.guest ? names(answer.guest).filter(Boolean).join(" · ") : item.label;
    var tags = [];
    if (flags.synced) { tags.push(T.synced); }
    if (flags.pending) { tags.push(T.waiting); }
    if (item.kind === "manual") { tags.push(T.manual); }
    if (item.body.direction === "out") { tags.push(T.exit); }
    var extra = document.createElement("span");
    extra.className = "door-recent-tags";
    extra.textContent = tags.join(" · ");
    entry.append(time, what, who, extra);
    var empty = els.recent.querySelector(".door-recent-empty");
    if (empty) { empty.remove(); }
    // A scan that waited offline keeps its place in the list and gets its verdict there.
    var waiting = nonce && Array.prototype.find.call(els.recent.children, function (other) {
      return other.getAttribute("data-nonce") === nonce;
    });
    if (waiting) {
      els.recent.replaceChild(entry, waiting);
    } else {
      els.recent.insertBefore(entry, els.recent.firstChild);
    }
    while (els.recent.children.length > 10) {
      els.recent.removeChild(els.recent.lastChild);
    }
  }

  function answered(answer, item, flags) {
    showOccupancy(answer.occupancy);
    remember(answer, item, flags || {});
    if (flags && flags.synced) {
      return; // a late answer for a scan made while offline: listed, not flashed
    }
    show(viewOf(answer, item));
  }

  /* ---- sending a reading ---------------------------------------------------------------- */

  function scanItem(code, source) {
    return {
      kind: "scan",
      source: source,
      url: config.urls.scans,
      label: code,
      body: {
        code: code,
        nonce: newNonce(),
        gate: gate(),
        direction: direction(),
        scanned_at: new Date().toISOString(),
        offline: false,
        override: false
      }
    };
  }

  function manualItem(guest) {
    return {
      kind: "manual",
      url: config.urls.guests + "/" + guest.id + "/check-in",
      label: names(guest).filter(Boolean).join(" · "),
      body: {
        nonce: newNonce(),
        gate: gate(),
        direction: direction(),
        scanned_at: new Date().toISOString(),
        offline: false,
        override: false
      }
    };
  }

  function send(item) {
    wakeAudio();
    var keep = function () {
      var view = provisionalView(item);
      // The door list may name the guest: the recent list then shows the name, not the code.
      if (view.guest) { item.label = names(view.guest).filter(Boolean).join(" · ") || item.label; }
      enqueue(item);
      remember(null, item, { pending: true });
      show(view);
    };
    if (navigator.onLine === false) {
      keep();
      return Promise.resolve();
    }
    return request("POST", item.url, item.body).then(function (answer) {
      answered(answer, item);
      // A scan went through: the network is back, so send what waited.
      sync();
    }, function (error) {
      if (error instanceof NetworkError) {
        keep();
      } else if (error.status >= 500 || error.status === 429) {
        keep();
        note(T.serverError);
      } else if (isAccessError(error)) {
        keep();
        accessLost();
      } else {
        show({ kind: "bad", title: T.notSent, detail: error.message, item: item });
      }
    });
  }

  function overrideShown() {
    if (!shown || !shown.item) { return; }
    var item = JSON.parse(JSON.stringify(shown.item));
    item.body.nonce = newNonce();
    item.body.override = true;
    item.body.offline = false;
    item.body.scanned_at = new Date().toISOString();
    send(item);
  }

  function letInShown() {
    if (!shown || !shown.guest) { return; }
    var guest = shown.guest;
    var item = {
      kind: "manual",
      url: config.urls.guests + "/" + guest.id + "/admit-unanswered",
      label: names(guest).filter(Boolean).join(" · "),
      body: { nonce: newNonce(), gate: gate(), scanned_at: new Date().toISOString() }
    };
    els.letInGroup.hidden = true;
    // The headset the door hands out is the channel the guest's answer records.
    var channel = els.letInChannel.value || "floor";
    // Never queued offline: a seat is taken under the server's lock, or not at all.
    request("POST", item.url, { nonce: item.body.nonce, gate: item.body.gate, channel: channel }).then(function (answer) {
      answered(answer, item);
      if (answer.verdict === "ok") {
        els.message.hidden = false;
        els.message.textContent = T.letInDone;
      }
    }, function (error) {
      els.message.hidden = false;
      els.message.textContent = failure(error);
      if (isAccessError(error)) { accessLost(); }
    });
  }

  /* ---- a door lead's let-in, and walk-ins ---------------------------------------------- */

  // The refusals a door lead may overrule: all but a code that names nobody of this event.
  var LEAD_VERDICTS = ["declined", "revoked", "waitlisted", "room_full", "no_answer", "already_checked_in",
    "other_session"];
  // Verdicts whose guest has no answer naming a channel: the lead chooses the headset.
  var LEAD_CHOOSES_CHANNEL = ["declined", "revoked", "no_answer"];
  var LEAD_SHOW_MS = 20000;
  var lead = {
    form: $("verdict-lead"), reason: $("verdict-lead-reason"), text: $("verdict-lead-text"),
    channelGroup: $("verdict-lead-channel-group"), channel: $("verdict-lead-channel"),
    overGroup: $("verdict-lead-over-group"), over: $("verdict-lead-over"),
    nonce: null // one per verdict shown: a second press is the same request
  };

  function showLead(view) {
    var verdict = view.answer ? view.answer.verdict : "";
    lead.form.hidden = !view.leadMay;
    if (!view.leadMay) { return; }
    lead.nonce = newNonce();
    lead.text.value = "";
    lead.over.checked = false;
    lead.channelGroup.hidden = LEAD_CHOOSES_CHANNEL.indexOf(verdict) < 0;
    lead.overGroup.hidden = verdict !== "room_full";
  }

  function leadLetIn(event) {
    event.preventDefault();
    if (!shown || !shown.guest || !lead.nonce) { return; }
    var reason = lead.reason.value;
    var text = lead.text.value.trim();
    if (reason === "other" && !text) {
      els.message.hidden = false;
      els.message.textContent = T.leadReasonNeeded;
      lead.text.focus();
      return;
    }
    els.message.hidden = true;
    var guest = shown.guest;
    var item = {
      kind: "manual",
      url: config.urls.guests + "/" + guest.id + "/let-in",
      label: names(guest).filter(Boolean).join(" · "),
      body: { nonce: lead.nonce, gate: gate(), scanned_at: new Date().toISOString() }
    };
    var body = { nonce: lead.nonce, gate: gate(), reason: reason, reason_text: text,
      over_capacity: lead.over.checked };
    if (!lead.channelGroup.hidden) { body.channel = lead.channel.value || "floor"; }
    // Never queued offline: a seat is taken under the server's lock, or not at all.
    request("POST", item.url, body).then(function (answer) {
      answered(answer, item);
      if (answer.verdict === "ok") {
        els.message.hidden = false;
        els.message.textContent = T.leadDone;
      }
    }, function (error) {
      els.message.hidden = false;
      els.message.textContent = failure(error);
      if (isAccessError(error)) { accessLost(); }
    });
  }

  var walkIn = {
    form: $("walk-in-form"), nameEn: $("walk-in-name-en"), nameZh: $("walk-in-name-zh"),
    organization: $("walk-in-organization"), category: $("walk-in-category"),
    email: $("walk-in-email"), channel: $("walk-in-channel"), error: $("walk-in-error"),
    submit: $("walk-in-submit"), badge: $("walk-in-badge"), who: $("walk-in-who"),
    qr: $("walk-in-qr"), pdf: $("walk-in-pdf"), next: $("walk-in-next"),
    nonce: null // kept until the form is answered: a second press is the same request
  };

  function walkInError(text) {
    walkIn.error.textContent = text;
    walkIn.error.hidden = !text;
  }

  function registerWalkIn(event) {
    event.preventDefault();
    var nameEn = walkIn.nameEn.value.trim();
    var nameZh = walkIn.nameZh.value.trim();
    if (!nameEn && !nameZh) {
      walkInError(T.walkInNameNeeded);
      walkIn.nameEn.focus();
      return;
    }
    walkInError("");
    walkIn.nonce = walkIn.nonce || newNonce();
    var body = {
      nonce: walkIn.nonce, gate: gate(), name_en: nameEn, name_zh: nameZh,
      organization: walkIn.organization.value.trim(), category: walkIn.category.value,
      email: walkIn.email.value.trim(), channel: walkIn.channel.value,
      language: config.lang === "zh" ? "zh_Hant" : "en"
    };
    var item = {
      kind: "manual", url: config.urls.walkIns,
      label: [nameEn, nameZh].filter(Boolean).join(" · "),
      body: { nonce: walkIn.nonce, gate: body.gate, scanned_at: new Date().toISOString() }
    };
    walkIn.submit.disabled = true;
    request("POST", config.urls.walkIns, body).then(function (registered) {
      walkIn.submit.disabled = false;
      walkIn.nonce = null;
      answered(registered.scan, item);
      els.message.hidden = false;
      els.message.textContent = T.walkInDone;
      walkIn.form.hidden = true;
      walkIn.who.textContent = item.label;
      walkIn.qr.src = registered.badge_png;
      walkIn.qr.setAttribute("data-code", registered.badge_code);
      walkIn.pdf.href = registered.badge_pdf;
      walkIn.badge.hidden = false;
    }, function (error) {
      walkIn.submit.disabled = false;
      if (!(error instanceof NetworkError)) {
        walkIn.nonce = null; // refused and nothing written: a corrected form is a new request
      }
      walkInError(failure(error));
      if (isAccessError(error)) { accessLost(); }
    });
  }

  function nextWalkIn() {
    walkIn.form.reset();
    walkIn.badge.hidden = true;
    walkIn.qr.removeAttribute("src");
    walkIn.form.hidden = false;
    walkIn.nameEn.focus();
  }

  function startLeadAndWalkIns() {
    lead.form.addEventListener("submit", leadLetIn);
    if (walkIn.form && config.urls.walkIns) {
      walkIn.form.addEventListener("submit", registerWalkIn);
      walkIn.next.addEventListener("click", nextWalkIn);
    }
  }

  /* ---- the gate, remembered on this device ------------------------------------------------ */

  // Per event, whether the scanner was opened by a signed-in account or a door link: what was
  // typed here last wins over the link's label, so that a reload keeps it.
  var GATE_EVENT_KEY = GATE_KEY + "." + config.eventId;

  function rememberedGate() {
    try {
      return localStorage.getItem(GATE_EVENT_KEY) || (config.gate ? "" : localStorage.getItem(GATE_KEY)) || "";
    } catch (e) {
      return ""; // private mode
    }
  }

  function rememberGate() {
    try {
      localStorage.setItem(GATE_EVENT_KEY, gate());
      localStorage.setItem(GATE_KEY, gate());
    } catch (e) { /* private mode */ }
  }

  function startGate() {
    var kept = rememberedGate();
    if (kept) { els.gate.value = kept; }
    els.gate.addEventListener("input", rememberGate);
    els.gate.addEventListener("change", rememberGate);
  }

  function failure(error) {
    return error instanceof NetworkError ? T.noConnection : fill(T.notSentWhy, { message: error.message || "" });
  }

  function saveReceiver(event) {
    event.preventDefault();
    if (!shown || !shown.guest) { return; }
    var value = els.receiver.value.trim();
    if (!value) { return; }
    var guest = shown.guest;
    var url = config.urls.guests + "/" + guest.id + "/receiver";
    request("POST", url, { receiver: value }).then(function (answer) {
      els.receiverForm.hidden = true;
      els.message.hidden = false;
      els.message.textContent = fill(T.receiverSaved, { receiver: answer.receiver });
      armTimer(1200);
    }, function (error) {
      els.message.hidden = false;
      els.message.textContent = failure(error);
    });
  }

  function receiverBack() {
    if (!shown || !shown.guest) { return; }
    var receiver = shown.receiverOut;
    request("POST", config.urls.guests + "/" + shown.guest.id + "/receiver", { returned: true })
      .then(function () {
        els.returned.hidden = true;
        els.message.hidden = false;
        els.message.textContent = fill(T.receiverReturned, { receiver: receiver });
        armTimer(1200);
      }, function (error) {
        els.message.hidden = false;
        els.message.textContent = failure(error);
      });
  }

  /* ---- the three ways in ------------------------------------------------------------------ */

  function submitCode(event) {
    event.preventDefault();
    var code = els.code.value.trim();
    els.code.value = "";
    if (code) {
      send(scanItem(code, "keyboard"));
    }
  }

  var camera = { running: false, stream: null, detector: null, busy: false, timer: null,
    lastCode: "", lastSeen: 0, detects: 0, session: 0 };

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  var detecting = null; // the promise of a detector, made once per page

  function getDetector() {
    if (!detecting) {
      detecting = makeDetector().catch(function (error) {
        detecting = null;
        throw error;
      });
    }
    return detecting;
  }

  function makeDetector() {
    var native = window.BarcodeDetector;
    var nativeFormats = native && typeof native.getSupportedFormats === "function"
      ? native.getSupportedFormats() : Promise.resolve([]);
    return nativeFormats.catch(function () { return []; }).then(function (formats) {
      if (native && formats.indexOf("qr_code") >= 0) {
        document.body.setAttribute("data-decoder", "native");
        return new native({ formats: ["qr_code"] });
      }
      var ready = window.BarcodeDetectionAPI ? Promise.resolve() : loadScript(config.urls.decoderScript);
      return ready.then(function () {
        var api = window.BarcodeDetectionAPI;
        // Our own copy of the .wasm: the library's default would fetch it from a CDN.
        return api.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) {
              return /\.wasm$/.test(path) ? config.urls.decoderWasm : prefix + path;
            }
          },
          fireImmediately: true
        }).then(function () {
          document.body.setAttribute("data-decoder", "zxing-wasm");
          return new api.BarcodeDetector({ formats: ["qr_code"] });
        });
      });
    });
  }

  function loadWhenIdle() {
    // The decoder is ready before the camera is started (and before the network might go: the
    // camera then works offline too), loaded once the page is drawn and idle so that the first
    // paint and the code field never wait for it.
    var load = function () { getDetector().catch(function () { return null; }); };
    var whenIdle = function () {
      if (typeof window.requestIdleCallback === "function") {
        window.requestIdleCallback(load, { timeout: 1000 });
      } else {
        setTimeout(load, 0);
      }
    };
    if (document.readyState === "complete") {
      whenIdle();
    } else {
      window.addEventListener("load", whenIdle, { once: true });
    }
  }

  function cameraMessage(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") { return T.cameraDenied; }
    if (name === "NotFoundError" || name === "OverconstrainedError") { return T.cameraMissing; }
    return fill(T.cameraFailed, { message: (error && error.message) || name || "" });
  }

  function startCamera() {
    wakeAudio();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      els.cameraState.textContent = window.isSecureContext === false ? T.cameraInsecure : T.cameraMissing;
      return;
    }
    camera.running = true;
    camera.detects = 0;
    // A camera stopped and started again before it came up: the first one's stream is dropped.
    var session = camera.session += 1;
    els.cameraToggle.textContent = T.stopCamera;
    els.cameraToggle.setAttribute("aria-pressed", "true");
    els.cameraState.textContent = T.cameraStarting;
    // The camera and the decoder start together (the decoder is usually loaded already, see
    // loadWhenIdle); the first frame is read once both are there, without waiting for a tick.
    var decoder = getDetector().then(function (made) {
      camera.detector = made;
    }, function (error) {
      error.decoder = true;
      throw error;
    });
    var video = navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (stream) {
      if (!camera.running || camera.session !== session) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        return;
      }
      camera.stream = stream;
      els.video.srcObject = stream;
      els.cameraView.hidden = false;
      document.body.classList.add("door-camera-on");
      return els.video.play().catch(function () { return null; }).then(firstFrame);
    });
    Promise.all([decoder, video]).then(function () {
      if (!camera.running || !camera.stream || camera.session !== session) { return; }
      els.cameraState.textContent = T.cameraReady;
      document.body.setAttribute("data-camera", "running");
      scanFrame();
    }).catch(function (error) {
      if (camera.session !== session) { return; }
      stopCamera();
      els.cameraState.textContent = error && error.decoder ? T.decoderFailed : cameraMessage(error);
    });
  }

  function firstFrame() {
    // play() may settle before the camera has delivered a frame: then wait for that one (or,
    // should neither event come, go on to the usual tick, which waits for a frame itself).
    if (els.video.readyState >= 2 || !camera.running) { return null; }
    return new Promise(function (resolve) {
      setTimeout(resolve, SCAN_EVERY_MS);
      els.video.addEventListener("loadeddata", resolve, { once: true });
      if (typeof els.video.requestVideoFrameCallback === "function") {
        els.video.requestVideoFrameCallback(function () { resolve(); });
      }
    });
  }

  function stopCamera() {
    camera.running = false;
    clearTimeout(camera.timer);
    if (camera.stream) {
      camera.stream.getTracks().forEach(function (track) { track.stop(); });
      camera.stream = null;
    }
    els.video.srcObject = null;
    els.cameraView.hidden = true;
    els.cameraState.textContent = "";
    els.cameraToggle.textContent = T.startCamera;
    els.cameraToggle.setAttribute("aria-pressed", "false");
    document.body.classList.remove("door-camera-on");
    document.body.removeAttribute("data-camera");
  }

  function scheduleScan() {
    clearTimeout(camera.timer);
    if (camera.running) {
      camera.timer = setTimeout(scanFrame, SCAN_EVERY_MS);
    }
  }

  function framesShown() {
    var quality = els.video.getVideoPlaybackQuality ? els.video.getVideoPlaybackQuality() : null;
    return quality ? quality.totalVideoFrames : -1;
  }

  function scanFrame() {
    clearTimeout(camera.timer);
    if (!camera.running || camera.busy || els.video.readyState < 2 || document.hidden) {
      scheduleScan();
      return;
    }
    camera.busy = true;
    camera.detects += 1;
    var reading = { detects: camera.detects, frames: framesShown() };
    camera.detector.detect(els.video).then(function (found) {
      var now = Date.now();
      for (var i = 0; i < found.length; i += 1) {
        var code = (found[i].rawValue || "").trim();
        if (!code) { continue; }
        var repeat = code === camera.lastCode && now - camera.lastSeen < CAMERA_REPEAT_MS;
        // Seeing it again keeps it "just read": a badge held up for a while counts once.
        camera.lastCode = code;
        camera.lastSeen = now;
        if (!repeat) {
          // Which detect call since the camera started read it, and how many frames the
          // camera had shown then (the browser tests check the first frame is read).
          els.video.setAttribute("data-read-by-detect", reading.detects);
          els.video.setAttribute("data-read-at-frame", reading.frames);
          send(scanItem(code, "camera"));
        }
        break;
      }
    }).catch(function () {
      return null; // an unreadable frame; the next one may do
    }).then(function () {
      camera.busy = false;
      scheduleScan();
    });
  }

  var searchTimer = null;
  var searchSerial = 0;

  function searchSoon() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  }

  function tag(text, kind) {
    var span = document.createElement("span");
    span.className = "tag tag-" + kind;
    span.textContent = text;
    return span;
  }

  function runSearch() {
    var query = els.search.value.trim();
    var serial = ++searchSerial;
    if (!query) {
      els.results.textContent = "";
      return;
    }
    request("GET", config.urls.search + "?q=" + encodeURIComponent(query)).then(function (data) {
      if (serial !== searchSerial) { return; }
      els.results.textContent = "";
      if (!data.guests.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = T.noResults;
        els.results.appendChild(none);
        return;
      }
      data.guests.forEach(function (guest) { els.results.appendChild(resultRow(guest)); });
    }, function (error) {
      if (serial !== searchSerial) { return; }
      els.results.textContent = "";
      // Offline: the door list kept on this device (door-list.js) finds the guest instead.
      var kept = error instanceof NetworkError && window.registrarDoorList &&
        window.registrarDoorList.search(query);
      if (kept) {
        var about = document.createElement("li");
        about.className = "muted";
        about.textContent = kept.note;
        els.results.appendChild(about);
        kept.guests.forEach(function (guest) { els.results.appendChild(resultRow(guest)); });
        return;
      }
      var failed = document.createElement("li");
      failed.className = "error";
      failed.textContent = error instanceof NetworkError ? T.searchFailed : error.message;
      els.results.appendChild(failed);
    });
  }

  function resultRow(guest) {
    var row = document.createElement("li");
    row.className = "door-result";
    var about = document.createElement("div");
    about.className = "door-result-about";
    var pair = names(guest);
    var name = document.createElement("span");
    name.className = "person-name";
    name.textContent = pair[0];
    about.appendChild(name);
    if (pair[1]) {
      var other = document.createElement("span");
      other.className = "person-other";
      other.textContent = pair[1];
      about.appendChild(other);
    }
    var org = document.createElement("span");
    org.className = "person-affiliation";
    org.textContent = [guest.organization, config.categories[guest.category] || guest.category]
      .filter(Boolean).join(" · ");
    about.appendChild(org);
    var tags = document.createElement("span");
    tags.className = "door-result-tags";
    if (guest.revoked) {
      tags.appendChild(tag(T.revoked, "red"));
    } else if (guest.seat === "confirmed") {
      tags.appendChild(tag(T.confirmed, "grey"));
    } else if (guest.seat === "waitlisted") {
      tags.appendChild(tag(T.waitlisted, "amber"));
    } else if (guest.answered === false) {
      // Invited, never answered: never shown as "not attending".
      tags.appendChild(tag(T.noAnswer, "blue"));
    } else {
      tags.appendChild(tag(T.notAttending, "grey"));
    }
    if (guest.inside) {
      tags.appendChild(tag(T.inside, "green"));
    }
    if (guest.walk_in) {
      tags.appendChild(tag(T.walkIn, "grey"));
    }
    about.appendChild(tags);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "door-result-button";
    button.textContent = direction() === "out" ? T.checkOut : T.checkIn;
    button.addEventListener("click", function () {
      send(manualItem(guest)).then(function () {
        if (navigator.onLine !== false) { runSearch(); }
      });
    });
    row.append(about, button);
    return row;
  }

  /* ---- wiring ------------------------------------------------------------------------------ */

  function directionChanged() {
    var exit = direction() === "out";
    document.body.classList.toggle("door-exit", exit);
    els.exitNote.hidden = !exit;
    var label = exit ? T.checkOut : T.checkIn;
    Array.prototype.forEach.call(els.results.querySelectorAll(".door-result-button"), function (b) {
      b.textContent = label;
    });
    readyForNext();
  }

  function start() {
    document.body.classList.add("door-page");
    startGate();
    startLeadAndWalkIns();
    els.codeForm.addEventListener("submit", submitCode);
    els.cameraToggle.addEventListener("click", function () {
      if (camera.running) { stopCamera(); } else { startCamera(); }
    });
    els.search.addEventListener("input", searchSoon);
    Array.prototype.forEach.call(document.querySelectorAll("input[name=direction]"), function (radio) {
      radio.addEventListener("change", directionChanged);
    });
    els.receiverForm.addEventListener("submit", saveReceiver);
    els.returned.addEventListener("click", receiverBack);
    els.override.addEventListener("click", overrideShown);
    els.letIn.addEventListener("click", letInShown);
    els.verdict.addEventListener("click", function (event) {
      // A tap on the colour closes it; a tap on a field or button does its job.
      if (!event.target.closest("input, select, button, label, form")) {
        hideVerdict();
      }
    });
    // Once staff start typing a receiver number, the verdict waits for them.
    els.verdict.addEventListener("focusin", function (event) {
      if (event.target.closest("input, select, button")) { clearTimeout(verdictTimer); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !els.verdict.hidden) { hideVerdict(); }
      wakeAudio();
    });
    document.addEventListener("pointerdown", wakeAudio, { passive: true });
    window.addEventListener("online", function () { showOnline(); sync(); pollOccupancy(); });
    window.addEventListener("offline", showOnline);
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { return; }
      sync();
      pollOccupancy();
    });
    showOnline();
    showPending();
    directionChanged();
    setInterval(sync, SYNC_EVERY_MS);
    setInterval(pollOccupancy, OCCUPANCY_EVERY_MS);
    sync();
    loadWhenIdle();
    keepForOffline();
    document.body.setAttribute("data-door-ready", "true");
  }

  /* ---- reloading while offline ------------------------------------------------------- */

  // The service worker keeps this page and its files, so that a reload without network still
  // opens the scanner (with its queue). Browsers allow workers over https and on localhost.
  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) { return; }
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.kept) {
        document.body.setAttribute("data-door-offline-ready", "true");
      }
    });
    navigator.serviceWorker.register(config.urls.serviceWorker).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var files = Array.prototype.map.call(
        document.querySelectorAll("link[rel=stylesheet][href], script[src]"),
        function (element) { return element.href || element.src; }
      );
      registration.active.postMessage({
        keep: [location.href, config.urls.decoderScript, config.urls.decoderWasm].concat(files)
      });
    }).catch(function (error) {
      // The scanner works without it; only a reload while offline would not.
      console.warn("service worker not registered:", error);
    });
  }

  start();
})();
