/* The login page: nobody is signed in here, so no door list stays on this device (see
 * door-list.js). Saved scans are kept: they are sent once someone signs in again. */
(function () {
  "use strict";
  try {
    for (var i = localStorage.length - 1; i >= 0; i -= 1) {
      var key = localStorage.key(i);
      if (key && key.indexOf("registrar.door.list.") === 0) { localStorage.removeItem(key); }
    }
  } catch (e) {
    // nothing kept, nothing to drop
  }
})();
