/// The page at a source's `redirect.url`, where the customer authorises or refuses the payment, or
/// goes back to the merchant without deciding (the source then stays pending until it expires).
struct SourceAuthorizationPage {
    let source: SourceRecord

    var html: String {
        let amount = source.amount.map { HTML.money($0, source.currency ?? "eur") } ?? "a reusable payment"
        guard source.status == .pending else {
            return HTML.page(
                title: "Payment already handled",
                body: """
                    <h1 id="handled">This payment is \(HTML.escape(source.status.rawValue))</h1>
                    \(returnLink(label: "Return to the merchant"))
                    """)
        }
        return HTML.page(
            title: "Authorise test payment",
            body: """
                <h1>Authorise test payment</h1>
                <p>\(HTML.escape(source.type)) payment of <strong id="amount">\(HTML.escape(amount))</strong>.</p>
                <form method="post" action="/sources/\(HTML.escape(source.id))/authorize">
                <input type="hidden" name="client_secret" value="\(HTML.escape(source.clientSecret))">
                <button type="submit" name="action" value="authorize" id="authorize">Authorize Test Payment</button>
                <button type="submit" name="action" value="fail" id="fail" class="secondary">Fail Test Payment</button>
                </form>
                \(returnLink(label: "Return to the merchant without deciding", id: "abandon"))
                """)
    }

    private func returnLink(label: String, id: String = "return") -> String {
        guard let returnURL = source.returnURL else { return "" }
        return "<p><a id=\"\(id)\" href=\"\(HTML.escape(EmulatorState.returnURL(returnURL, source: source)))\">\(HTML.escape(label))</a></p>"
    }
}
