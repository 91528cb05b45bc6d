import StripeAPI

/// Small helpers for the emulator's hosted pages. Every value that came from a client is escaped.
enum HTML {
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }

    /// An amount in minor units with its currency, for people (`€12.50`, `$3.00`, `12.50 CHF`).
    static func money(_ amount: Int, _ currency: String) -> String {
        Money.format(amount, currency)
    }

    static func page(title: String, body: String, lang: String = "en") -> String {
        """
        <!doctype html>
        <html lang="\(escape(lang))"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}
        main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 2px 8px #0001}
        .badge{display:inline-block;background:#ffe9a8;color:#6b4b00;border-radius:4px;padding:2px 8px;font-size:12px}
        table{width:100%;border-collapse:collapse;margin:16px 0}td{padding:6px 0;border-bottom:1px solid #eee}
        td.amount{text-align:right}label{display:block;margin:8px 0}input[type=text],input[type=email]{width:100%;padding:8px}
        fieldset{border:1px solid #ddd;border-radius:6px;margin:12px 0}button{background:#635bff;color:#fff;border:0;
        border-radius:6px;padding:12px 20px;font-size:16px;cursor:pointer;margin:4px 4px 4px 0}button.secondary{background:#8792a2}
        .error{color:#c0123c;font-weight:600}.muted{color:#697386}
        </style></head>
        <body><main>
        <span class="badge">TEST MODE · Stripe emulator</span>
        \(body)
        </main></body></html>
        """
    }
}
