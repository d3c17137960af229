/* ElectroShop recommendation widgets: record impressions (once per list) and clicks, with the
   recommendation_id of each card, to the public same-origin collector. No dependencies. */
(function () {
  "use strict";
  var ENDPOINT = "/api/v1/events/collect/";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(events) {
    if (!events.length) return;
    var body = JSON.stringify({ events: events });
    try {
      fetch(ENDPOINT, {
        method: "POST", credentials: "same-origin", keepalive: true, body: body,
        headers: { "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken") }
      });
    } catch (e) { /* analytics must never break the page */ }
  }

  function eventFor(link, type) {
    return { event_type: type, sku: link.getAttribute("data-sku"),
             recommendation_id: link.getAttribute("data-es-rec") };
  }

  function init() {
    var lists = document.querySelectorAll("[data-es-recs]");
    var impressions = [];
    lists.forEach(function (list) {
      list.querySelectorAll("[data-es-rec]").forEach(function (link) {
        impressions.push(eventFor(link, "impression"));
        link.addEventListener("click", function () { send([eventFor(link, "click")]); });
      });
    });
    // a list shown with no item (an experiment's holdout): one list-level impression, so the visitor counts
    document.querySelectorAll("[data-es-exposure]").forEach(function (mark) {
      impressions.push({ event_type: "impression", recommendation_id: mark.getAttribute("data-es-exposure") });
    });
    for (var i = 0; i < impressions.length; i += 50) send(impressions.slice(i, i + 50));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
