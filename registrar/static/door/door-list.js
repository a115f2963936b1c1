/* registrar door list: the event's guests kept on this device for verdicts with names offline.
 *
 * While signed in and online, the scanner fetches the door list (every guest's names,
 * organization, category, badge version, state and channel) and refreshes it every minute,
 * sending the last version so that an unchanged list costs a 304. Offline, a badge's code
 * names a guest by its fields alone (B1:<event>:<guest>:<version>:<MAC>): the signature is the
 * server's to check, so every such verdict stays provisional and the reading is queued as
 * before. The list is dropped when access ends, at sign-out and after the event's end.
 * scanner.js asks window.registrarDoorList.offlineView(view, item) for each offline reading,
 * and .search(query) for the name search while offline.
 */
(function () {
  "use strict";

  var door = JSON.parse(document.getElementById("door-config").textContent);
  var config = JSON.parse(document.getElementById("door-list-config").textContent);
  var T = config.text;
  var KEY = "registrar.door.list.v1." + door.eventId;
  var PREFIX = "registrar.door.list.";
  var REFRESH_EVERY_MS = 60000;
  var BADGE = /^B1:(\d{1,12}):(\d{1,12}):(\d{1,12}):[A-Z2-7]{16}$/;
  var REFUSED = { revoked: true, declined: true, waitlisted: true };

  var $ = function (id) { return document.getElementById(id); };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  var timeFormat = (function () {
    try {
      return new Intl.DateTimeFormat(door.lang === "zh" ? "zh-Hant-TW" : "en-GB", {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: door.timezone
      });
    } catch (e) {
      return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    }
  })();

  /* ---- what this device keeps --------------------------------------------------------- */

  function ended(list) {
    var end = Date.parse(list.ends_at);
    return isNaN(end) || end <= Date.now();
  }

  function read() {
    var list = null;
    try {
      list = JSON.parse(localStorage.getItem(KEY) || "null");
    } catch (e) {
      list = null;
    }
    if (!list || !list.guests || !list.byId) {
      return null;
    }
    if (ended(list)) {
      forget(); // after the event, nobody's name stays on the device
      return null;
    }
    return list;
  }

  function keep(answer) {
    if (ended(answer)) {
      forget();
      return;
    }
    var byId = {};
    answer.guests.forEach(function (guest, index) { byId[guest.id] = index; });
    answer.byId = byId;
    answer.fetched_at = new Date().toISOString();
    try {
      localStorage.setItem(KEY, JSON.stringify(answer));
    } catch (e) {
      return; // storage full or private mode: the scanner works as before, without names
    }
    showState();
  }

  function touch(list) {
    list.fetched_at = new Date().toISOString();
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* kept as it was */ }
    showState();
  }

  // Every event's list on this device: a sign-out ends them all.
  function forget() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i -= 1) {
        var key = localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) { localStorage.removeItem(key); }
      }
    } catch (e) {
      // nothing kept, nothing to drop
    }
    showState();
  }

  function showState() {
    var state = $("door-list-state");
    var list = null;
    try { list = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { list = null; }
    var ready = !!(list && list.guests && !ended(list));
    document.body.setAttribute("data-door-list", ready ? "ready" : "none");
    if (state) {
      state.textContent = ready
        ? fill(T.kept, { n: list.guests.length, time: timeFormat.format(new Date(list.fetched_at)) })
        : T.none;
    }
  }

  /* ---- fetching it ------------------------------------------------------------------------ */

  var fetching = false;

  function refresh() {
    if (fetching || navigator.onLine === false || document.hidden) {
      return;
    }
    fetching = true;
    var list = read();
    var headers = { "Accept": "application/json" };
    if (list && list.version) {
      headers["If-None-Match"] = '"' + list.version + '"';
    }
    fetch(config.url, { credentials: "same-origin", headers: headers, cache: "no-store" })
      .then(function (response) {
        if (response.status === 304 && list) {
          touch(list);
          return;
        }
        if (response.status === 401 || response.status === 403 || response.status === 404 ||
            response.status === 410) {
          forget(); // access ended: the names go with it
          return;
        }
        if (!response.ok) {
          return; // kept as it was; tried again later
        }
        return response.json().then(keep);
      })
      .catch(function () { return null; })
      .then(function () { fetching = false; });
  }

  /* ---- offline verdicts with names --------------------------------------------------------- */

  function note(list) {
    return fill(T.provisional, { time: timeFormat.format(new Date(list.fetched_at)) });
  }

  // The view scanner.js made for a reading it could not send, with the guest's name and, where
  // the list says so, the refusal the server will give. Still provisional: the server decides.
  function offlineView(view, item) {
    if (!item) { return view; }
    // A badge's code names the guest and its version; a check-in by name, the guest only.
    var match = item.kind === "scan"
      ? BADGE.exec(String(item.body.code || "").trim().toUpperCase())
      : /\/guests\/(\d+)\/check-in$/.exec(item.url || "");
    if (!match) { return view; }
    if (item.kind === "scan" && Number(match[1]) !== door.eventId) { return view; }
    var guestId = item.kind === "scan" ? match[2] : match[1];
    var list = read();
    if (!list) { return view; }
    var index = list.byId[guestId];
    if (index === undefined) {
      view.detail = T.notListed;
      return view;
    }
    var guest = list.guests[index];
    view.guest = {
      id: guest.id, name_en: guest.name_en, name_zh: guest.name_zh,
      organization: guest.organization, category: guest.category, channel: guest.channel,
      vip: door.vipCategories.indexOf(guest.category) >= 0
    };
    view.provisional = true;
    view.detail = note(list);
    if (item.body.direction === "out") {
      return view;
    }
    view.vip = view.guest.vip;
    var replaced = item.kind === "scan" && Number(match[3]) < guest.badge_version;
    if (guest.state === "revoked" || replaced) {
      view.kind = "bad";
      view.title = door.verdicts.revoked;
      view.message = replaced && guest.state !== "revoked" ? T.replaced : door.advice.revoked;
      var deputy = [guest.deputy_en, guest.deputy_zh].filter(Boolean).join(" · ");
      if (guest.state === "revoked" && deputy) {
        // The guest sent a deputy, who has a badge of their own: the door says whom.
        view.message = fill(T.sentDeputy, { name: deputy });
      }
    } else if (REFUSED[guest.state]) {
      view.kind = "bad";
      view.title = door.verdicts[guest.state];
      view.message = door.advice[guest.state];
    } else if (guest.state === "no_answer") {
      // Letting in takes a seat under the server's lock: never offline.
      view.kind = "ask";
      view.title = door.verdicts.no_answer;
      view.message = door.advice.no_answer;
    } else {
      view.channel = guest.channel && guest.channel !== "floor" && door.channels[guest.channel]
        ? guest.channel : "none";
      view.seat = guest.seat_label || "";
    }
    return view;
  }

  /* ---- finding a guest by name offline --------------------------------------------------- */

  var SEARCH_LIMIT = 20;

  // As the server's search compares: full-width letters as plain ones, lower case, no spaces
  // or hyphens ("mei ling" finds Mei-Ling).
  function searchKey(text) {
    var plain = String(text || "");
    if (plain.normalize) { plain = plain.normalize("NFKC"); }
    return plain.toLowerCase().replace(/[ -]/g, "");
  }

  // The guests whose names or organization hold the query, as the search API lists them, and a
  // line that says where they come from; null without a list on this device.
  function search(query) {
    var list = read();
    var wanted = searchKey(query);
    if (!list || !wanted) { return null; }
    var found = list.guests.filter(function (guest) {
      return [guest.name_en, guest.name_zh, guest.organization].some(function (field) {
        return searchKey(field).indexOf(wanted) >= 0;
      });
    }).slice(0, SEARCH_LIMIT).map(function (guest) {
      var seated = guest.state === "confirmed" || guest.state === "waitlisted";
      return {
        id: guest.id, name_en: guest.name_en, name_zh: guest.name_zh,
        organization: guest.organization, category: guest.category, channel: guest.channel,
        seat: seated ? guest.state : null,
        answered: guest.state !== "no_answer",
        revoked: guest.state === "revoked",
        inside: false
      };
    });
    var time = timeFormat.format(new Date(list.fetched_at));
    return { note: fill(found.length ? T.searchKept : T.searchKeptNone, { time: time }), guests: found };
  }

  /* ---- wiring -------------------------------------------------------------------------------- */

  window.registrarDoorList = { offlineView: offlineView, search: search, forget: forget };

  var signOut = $("door-sign-out");
  if (signOut) {
    signOut.addEventListener("submit", forget);
  }
  window.addEventListener("online", refresh);
  document.addEventListener("visibilitychange", refresh);
  read();
  showState();
  refresh();
  setInterval(refresh, REFRESH_EVERY_MS);
})();
