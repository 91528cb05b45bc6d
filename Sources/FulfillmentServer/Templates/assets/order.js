// Polls the order about once a second while it may still change, and stops after ten tries: a bank
// payment can take days, and the customer gets an email when it settles.
(function () {
  var polling = document.getElementById("polling");
  var orderID = polling.getAttribute("data-order");
  var tries = 0, maxTries = 10, done = polling.getAttribute("data-final") === "true";
  var heading = document.getElementById("heading"), message = document.getElementById("message");
  var retry = document.getElementById("retry-block");
  var payAgain = document.getElementById("pay-again");
  var method = document.getElementById("pay-method"), sepa = document.getElementById("pay-sepa");
  var payError = document.getElementById("pay-error");
  method.addEventListener("change", function () { sepa.hidden = method.value !== "sepa_debit"; });
  // Another attempt on the same order: the service confirms the same PaymentIntent and says where to go next.
  payAgain.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {payment_method: method.value};
    if (method.value === "sepa_debit") {
      body.iban = document.getElementById("pay-iban").value;
      body.mandate_accepted = document.getElementById("pay-mandate").checked;
    }
    payError.textContent = "";
    fetch("/api/orders/" + encodeURIComponent(orderID) + "/payment", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
    })
      .then(function (r) { return r.json().then(function (answer) { return {ok: r.ok, answer: answer}; }); })
      .then(function (reply) {
        if (reply.ok && reply.answer.next_url) { window.location.assign(reply.answer.next_url); return; }
        payError.textContent = reply.answer.error || payAgain.getAttribute("data-unavailable");
      })
      .catch(function () { payError.textContent = payAgain.getAttribute("data-unavailable"); });
  });
  function show(order) {
    heading.textContent = order.title;
    heading.className = order.status === "paid" ? "ok" : order.status === "canceled" ? "bad" : "warn";
    message.textContent = order.message;
    message.setAttribute("data-state", order.state);
    retry.hidden = order.status !== "canceled";
    payAgain.hidden = !order.can_pay_again;
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
