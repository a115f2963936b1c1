// The protocol desk's live lists (templates/protocol/): polls the page's JSON feed every
// second and a half with the last ETag, so that an unchanged list costs a 304; redraws the
// rows the way templates/protocol/_row.html draws them; beeps when a VIP arrives, once the
// sound was turned on by a click (browsers allow sound only after one).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("protocol-config").textContent);
  var list = document.getElementById("protocol-rows");
  var summary = document.getElementById("protocol-summary");
  var status = document.getElementById("protocol-status");
  var soundButton = document.getElementById("protocol-sound");
  var etag = null;
  var audio = null;
  var arrivedVips = null;
  var timer = null;
  var polling = false;

  function vipsArrived(rows) {
    var ids = new Set();
    rows.forEach(function (row) {
      if (row.vip && row.state === "arrived") ids.add(row.id);
    });
    return ids;
  }

  function beep() {
    if (!audio) return;
    var now = audio.currentTime;
    [0, 0.22].forEach(function (offset) {
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.18);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + offset);
      tone.stop(now + offset + 0.2);
    });
  }

  if (soundButton) {
    soundButton.addEventListener("click", function () {
      if (audio) {
        audio.close();
        audio = null;
        soundButton.textContent = config.text.soundOff;
        soundButton.setAttribute("aria-pressed", "false");
        return;
      }
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = new Context();
      soundButton.textContent = config.text.soundOn;
      soundButton.setAttribute("aria-pressed", "true");
      beep();
    });
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function drawRow(row) {
    var item = document.createElement("li");
    item.className = "protocol-row state-" + row.state + (row.vip ? " is-vip" : "");
    item.dataset.id = String(row.id);
    item.appendChild(span("protocol-rank", row.rank ? String(row.rank) : ""));
    var who = span("protocol-who", "");
    var name = document.createElement("strong");
    name.className = "protocol-name";
    name.textContent = row.name;
    who.appendChild(name);
    if (row.other) who.appendChild(span("protocol-other", row.other));
    if (row.role) who.appendChild(span("protocol-role", row.role));
    if (row.companions) who.appendChild(span("protocol-companions", row.companions));
    item.appendChild(who);
    item.appendChild(span("protocol-category", row.category_label));
    item.appendChild(span("protocol-state", row.state_text));
    return item;
  }

  function draw(data) {
    var items = data.rows.map(drawRow);
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "protocol-empty muted";
      empty.textContent = config.text.empty;
      items.push(empty);
    }
    list.replaceChildren.apply(list, items);
    summary.textContent = data.summary;
    var arrived = vipsArrived(data.rows);
    if (arrivedVips !== null) {
      var someoneNew = false;
      arrived.forEach(function (id) {
        if (!arrivedVips.has(id)) someoneNew = true;
      });
      if (someoneNew) beep();
    }
    arrivedVips = arrived;
  }

  function clock() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function poll() {
    polling = true;
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(config.feed, { headers: headers, cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.status === 304) return null;
        var type = response.headers.get("Content-Type") || "";
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          throw new Error("signed out");
        }
        if (!response.ok || type.indexOf("application/json") !== 0) throw new Error("bad answer");
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (data) draw(data);
        status.textContent = config.text.live.replace("{time}", clock());
      })
      .catch(function (error) {
        status.textContent = error.message === "signed out" ? config.text.signedOut : config.text.lost;
      })
      .then(function () {
        polling = false;
        // A hidden tab asks less often; it asks at once when shown again (below).
        timer = window.setTimeout(poll, document.hidden ? config.pollMs * 4 : config.pollMs);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !polling) {
      window.clearTimeout(timer);
      poll();
    }
  });

  // The page drew the rows; the first poll learns the ETag and which VIPs are in already.
  arrivedVips = null;
  poll();
})();
