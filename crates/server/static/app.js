// facturier's own few lines of script. The navigation's menus are <details> disclosures,
// which open and close by their summary without any script; this closes them the way
// menus are expected to close too: on Escape (the innermost open one, focus back on its
// summary) and on a click or tap anywhere outside them. (The phone's Menu panel is a
// popover, which the browser closes so by itself.)
(function () {
  "use strict";
  var MENUS = "details.menu[open]";
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = Array.prototype.slice.call(document.querySelectorAll(MENUS));
    if (open.length === 0) return;
    var holding = open.filter(function (d) { return d.contains(document.activeElement); });
    var menu = holding.length > 0 ? holding[holding.length - 1] : open[open.length - 1];
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.focus();
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll(MENUS).forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });
})();
