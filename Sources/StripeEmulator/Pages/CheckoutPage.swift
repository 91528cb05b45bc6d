import StripeAPI

/// The hosted checkout page at a session's `url`: line items (quantities editable where allowed), contact
/// and shipping details, and four ways to pay that cover every outcome.
struct CheckoutPage {
    /// The outcomes offered, in the order of `CheckoutPageTexts.choices`.
    static let paymentOutcomes: [CheckoutSessionRecord.Outcome] = [.paid, .declined, .delayedSuccess, .delayedFailure]

    let session: CheckoutSessionRecord
    let errorMessage: String?

    var html: String {
        let texts = CheckoutPageTexts.forLocale(session.locale)
        guard session.status == .open else {
            return HTML.page(
                title: texts.unavailable,
                body: """
                    <h1 id="unavailable">\(texts.unavailable)</h1>
                    <p class="muted">\(texts.sessionIs) \(HTML.escape(session.status.rawValue)).</p>
                    """, lang: texts.lang)
        }
        let rows = session.lineItems.enumerated().map { index, item in
            let quantity =
                item.adjustable.map { bounds in
                    """
                    <input type="number" name="quantity_\(index)" value="\(item.quantity)" min="\(bounds.lowerBound)" \
                    max="\(bounds.upperBound)" aria-label="\(texts.quantityOf) \(HTML.escape(item.description))">
                    """
                } ?? "× \(item.quantity)"
            return """
                <tr class="line-item"><td>\(HTML.escape(item.description))</td><td>\(quantity)</td>\
                <td class="amount">\(HTML.money(item.amountSubtotal, item.currency))</td></tr>
                """
        }.joined(separator: "\n")
        let shipping =
            session.shippingCountries.map { countries in
                let options = countries.map { "<option value=\"\(HTML.escape($0))\">\(HTML.escape($0))</option>" }.joined()
                return """
                    <fieldset><legend>\(texts.shippingAddress)</legend>
                    <label>\(texts.address) <input type="text" name="line1" value="Friedrichstraße 123" required></label>
                    <label>\(texts.city) <input type="text" name="city" value="Berlin" required></label>
                    <label>\(texts.postalCode) <input type="text" name="postal_code" value="10117" required></label>
                    <label>\(texts.country) <select name="country">\(options)</select></label>
                    </fieldset>
                    """
            } ?? ""
        let choices = zip(Self.paymentOutcomes, texts.choices).enumerated().map { index, choice in
            """
            <label><input type="radio" name="outcome" value="\(choice.0.rawValue)" \(index == 0 ? "checked" : "")> \
            \(HTML.escape(choice.1))</label>
            """
        }.joined(separator: "\n")
        let cancel = session.cancelURL.map { "<p><a id=\"cancel\" href=\"\(HTML.escape($0))\">\(texts.backToStore)</a></p>" } ?? ""
        let error = errorMessage.map { "<p class=\"error\" id=\"error\">\(HTML.escape($0))</p>" } ?? ""
        return HTML.page(
            title: "\(texts.pay) \(HTML.money(session.amountTotal, session.currency))",
            body: """
                <h1>\(texts.pay) <span id="total">\(HTML.money(session.amountTotal, session.currency))</span></h1>
                \(error)
                <form method="post" action="/c/pay/\(HTML.escape(session.id))">
                <table id="line-items">\(rows)</table>
                <label>\(texts.email) <input type="email" name="email" value="\(HTML.escape(session.customerEmail ?? "customer@example.com"))" required></label>
                <label>\(texts.name) <input type="text" name="name" value="Jenny Rosen" required></label>
                \(shipping)
                <fieldset id="payment-method"><legend>\(texts.paymentMethod)</legend>
                \(choices)
                </fieldset>
                <button type="submit" id="pay">\(texts.pay)</button>
                </form>
                \(cancel)
                """, lang: texts.lang)
    }
}
