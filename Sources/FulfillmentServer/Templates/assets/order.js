// Polls the order about once a second while it may still change, and stops after ten tries: a bank
// payment can take days, and the customer gets an email when it settles.
(function () {
  var polling = document.getElementById("polling");
  var orderID = polling.getAttribute("data-order");
  var tries = 0, maxTries = 10, done = polling.getAttribute("data-final") === "true";
  var heading = document.getElementById("heading"), message = document.getElementById("message");
  var retry = document.getElementById("retry-block");
  function show(order) {
    heading.textContent = order.title;
    heading.className = order.status === "paid" ? "ok" : order.status === "canceled" ? "bad" : "warn";
    message.textContent = order.message;
    message.setAttribute("data-state", order.state);
    retry.hidden = order.status !== "canceled";
  }
  function poll() {
    if (done) { polling.textContent = ""; polling.setAttribute("data-stopped", "final"); return; }
    if (tries >= maxTries) {
      polling.textContent = polling.getAttribute("data-stopped-text");
      polling.setAttribute("data-stopped", "limit");
      return;
    }
    tries += 1;
    polling.setAttribute("data-polls", String(tries));
    fetch("/api/orders/" + encodeURIComponent(orderID), {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (order) { if (order) { show(order); done = order.final; } })
      .catch(function () {})
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, done ? 0 : 1000);
})();
