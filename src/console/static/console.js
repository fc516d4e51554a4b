/* global document, window, HTMLButtonElement, HTMLAnchorElement */
// acclink review console: keyboard shortcuts. Elements declare their key with data-shortcut="x":
// a button is clicked (submitting its form), a link is followed. On the queue list, j/k move the
// focus between rows. Keys are ignored while typing in a field or with a modifier held.
'use strict';

(function () {
  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable;
  }

  function shortcut(key) {
    var all = document.querySelectorAll('[data-shortcut]');
    for (var i = 0; i < all.length; i++) if (all[i].getAttribute('data-shortcut') === key) return all[i];
    return null;
  }

  function moveRow(step) {
    var rows = document.querySelectorAll('a[data-row]');
    if (rows.length === 0) return false;
    var current = -1;
    for (var i = 0; i < rows.length; i++) if (rows[i] === document.activeElement) current = i;
    var next = current < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, current + step));
    rows[next].focus();
    return true;
  }

  var busy = false;
  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var key = event.key;
    var el = shortcut(key);
    if (el === null && (key === 'j' || key === 'k')) {
      if (moveRow(key === 'j' ? 1 : -1)) event.preventDefault();
      return;
    }
    if (el === null || busy) return;
    event.preventDefault();
    if (el instanceof HTMLButtonElement) {
      // One decision per page: a second key press while the form posts is ignored.
      busy = true;
      el.focus();
      el.click();
    } else if (el instanceof HTMLAnchorElement) {
      window.location.assign(el.href);
    }
  });
})();
