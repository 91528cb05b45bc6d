import StripeAPI

extension EmulatorState {
    /// Source types the emulator models: how they flow and how their charges behave.
    static let redirectSourceTypes: Set<String> = ["ideal", "sofort", "bancontact", "three_d_secure"]
    static let euroOnlySourceTypes: Set<String> = ["ideal", "sofort", "bancontact", "sepa_debit"]
    /// Stripe's SEPA test IBAN whose debits fail.
    static let failingIBAN = "DE62370400440532013001"

    func createSource(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "type", "amount", "currency", "usage", "owner", "redirect", "metadata", "token", "card", "sepa_debit", "ideal",
            "sofort", "bancontact", "three_d_secure", "statement_descriptor",
        ])
        let type = try parameters.requiredString("type")
        let isRedirect = Self.redirectSourceTypes.contains(type)
        guard isRedirect || type == "card" || type == "sepa_debit" else {
            throw .invalidRequest("The emulator does not support sources of type \(type).", param: "type")
        }
        let usage = try parameters.string("usage") ?? (type == "card" || type == "sepa_debit" ? "reusable" : "single_use")
        guard usage == "single_use" || usage == "reusable" else {
            throw .invalidRequest("Invalid usage: must be one of single_use, reusable.", param: "usage")
        }
        if isRedirect && usage == "reusable" {
            throw .invalidRequest("Sources of type \(type) can only be single_use.", param: "usage")
        }
        let amount = try parameters.int("amount", range: 1...99_999_999)
        let currency = try parameters.string("currency").map { code throws(APIError) in try Self.currency(code, param: "currency") }
        if usage == "single_use" {
            if amount == nil { throw .invalidRequest("Missing required param: amount.", param: "amount") }
            if currency == nil { throw .invalidRequest("Missing required param: currency.", param: "currency") }
        }
        if Self.euroOnlySourceTypes.contains(type), let currency, currency != "eur" {
            throw .invalidRequest("Sources of type \(type) only support the currency eur.", param: "currency")
        }
        var returnURL: String?
        if isRedirect {
            returnURL = try parameters.object("redirect")?.string("return_url", required: true)
            guard let url = returnURL, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .invalidRequest("Missing required param: redirect[return_url].", param: "redirect[return_url]")
            }
        }
        let id = makeID("src_")
        let clientSecret = makeID("src_client_secret_")
        let (typeDetails, behaviour) = try typeSpecifics(type, parameters: parameters, sourceID: id, call: call)
        let owner = try parameters.object("owner")
        let source = SourceRecord(
            id: id, created: nowSeconds, type: type, usage: usage, flow: isRedirect ? "redirect" : "none",
            status: isRedirect ? .pending : .chargeable, amount: amount, currency: currency, clientSecret: clientSecret,
            ownerEmail: try owner?.string("email", maxLength: 512), ownerName: try owner?.string("name", maxLength: 256),
            returnURL: returnURL,
            redirectURL: isRedirect ? "\(call.baseURL)/sources/\(id)/authorize?client_secret=\(clientSecret)" : nil,
            redirectStatus: isRedirect ? "pending" : nil, metadata: try parameters.metadata(), customerID: nil,
            statementDescriptor: try parameters.string("statement_descriptor", maxLength: 22), typeDetails: typeDetails,
            chargeBehaviour: behaviour)
        sources[id] = source
        if source.status == .chargeable { emit("source.chargeable", object: source.json, cause: call) }
        return source.json
    }

    private func typeSpecifics(
        _ type: String, parameters: Parameters, sourceID: String, call: APICall
    ) throws(APIError) -> (JSONValue, SourceRecord.ChargeBehaviour) {
        switch type {
        case "card":
            let card = try CardDetails(parameters: parameters)
            return (card.json(threeDSecure: "optional"), card.declines ? .declines : .succeeds)
        case "three_d_secure":
            let cardSourceID = try parameters.object("three_d_secure")?.string("card", required: true)
            guard let cardSourceID, let cardSource = sources[cardSourceID], cardSource.type == "card" else {
                throw .invalidRequest("three_d_secure[card] must name a card source.", param: "three_d_secure[card]")
            }
            var details = cardSource.typeDetails
            details["card"] = .string(cardSourceID)
            details["authenticated"] = false
            details["customer"] = .string(cardSource.customerID)
            details["three_d_secure"] = "required"
            return (details, cardSource.chargeBehaviour)
        case "sepa_debit":
            let iban = try parameters.object("sepa_debit")?.string("iban", required: true)
            guard let iban, Self.isPlausibleIBAN(iban) else {
                throw .invalidRequest("The IBAN you provided is invalid.", param: "sepa_debit[iban]", code: "invalid_bank_account_iban")
            }
            let normalized = iban.filter { $0 != " " }.uppercased()
            let details: JSONValue = [
                "bank_code": .string(String(normalized.dropFirst(4).prefix(8))), "branch_code": nil,
                "country": .string(String(normalized.prefix(2))), "fingerprint": .string(makeID("", length: 16)),
                "last4": .string(String(normalized.suffix(4))), "mandate_reference": .string(makeID("", length: 16).uppercased()),
                "mandate_url": .string("\(call.baseURL)/sources/\(sourceID)/mandate"),
            ]
            return (details, .delayed(succeeds: normalized != Self.failingIBAN))
        case "sofort":
            let country = try parameters.object("sofort")?.string("country", required: true)
            guard let country, ["AT", "BE", "DE", "ES", "IT", "NL"].contains(country) else {
                throw .invalidRequest("sofort[country] must be one of AT, BE, DE, ES, IT, NL.", param: "sofort[country]")
            }
            let details: JSONValue = [
                "bank_code": nil, "bank_name": nil, "bic": nil, "country": .string(country), "iban_last4": nil,
                "preferred_language": nil, "statement_descriptor": nil,
            ]
            return (details, .delayed(succeeds: true))
        case "ideal":
            let bank = try parameters.object("ideal")?.string("bank")
            return (["bank": .string(bank), "bic": nil, "iban_last4": nil, "statement_descriptor": nil], .succeeds)
        default:  // bancontact
            let details: JSONValue = [
                "bank_code": nil, "bank_name": nil, "bic": nil, "iban_last4": nil, "preferred_language": nil,
                "statement_descriptor": nil,
            ]
            return (details, .succeeds)
        }
    }

    static func isPlausibleIBAN(_ iban: String) -> Bool {
        let compact = iban.filter { $0 != " " }
        return (15...34).contains(compact.count) && compact.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && compact.prefix(2).allSatisfy(\.isLetter)
    }

    /// `GET /v1/sources/{id}`: a publishable key must also present the source's client secret.
    func retrieveSource(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let source = sources[id] else { throw .missing("source", id) }
        if call.keyKind == .publishable, try call.parameters.string("client_secret") != source.clientSecret {
            throw .missing("source", id)
        }
        return source.json
    }

    /// The customer's answer on the authorisation page: `chargeable`, `failed` or `canceled`. An optional
    /// `chargeOutcome` decides whether a later charge on it settles successfully.
    func authorizeSource(_ id: String, outcome: String, chargeSucceeds: Bool?) throws(APIError) -> (source: JSONValue, redirectURL: String?) {
        guard var source = sources[id] else { throw .missing("source", id) }
        let type: String
        switch outcome {
        case "chargeable": type = try source.authorize()
        case "failed": type = try source.fail()
        case "canceled": type = try source.cancel()
        default:
            throw .invalidRequest("outcome must be one of chargeable, failed, canceled.", param: "outcome")
        }
        if let chargeSucceeds {
            switch source.chargeBehaviour {
            case .delayed: source.chargeBehaviour = .delayed(succeeds: chargeSucceeds)
            case .succeeds, .declines: source.chargeBehaviour = chargeSucceeds ? .succeeds : .declines
            }
        }
        sources[id] = source
        emit(type, object: source.json, cause: nil)
        return (source.json, source.returnURL.map { Self.returnURL($0, source: source) })
    }

    /// Stripe sends the customer back with the source's id and client secret in the query.
    static func returnURL(_ base: String, source: SourceRecord) -> String {
        let separator = base.contains("?") ? "&" : "?"
        return "\(base)\(separator)client_secret=\(source.clientSecret)&livemode=false&source=\(source.id)"
    }
}

/// A test card, from a token (`tok_visa`, `tok_chargeDeclined`) or a number (`4242...`, `4000...0002`).
struct CardDetails {
    var brand: String
    var last4: String
    var expMonth: Int
    var expYear: Int
    var declines: Bool

    init(parameters: Parameters) throws(APIError) {
        if let token = try parameters.string("token") {
            switch token {
            case "tok_visa": self.init(brand: "Visa", last4: "4242", expMonth: 12, expYear: 2034, declines: false)
            case "tok_mastercard": self.init(brand: "MasterCard", last4: "4444", expMonth: 12, expYear: 2034, declines: false)
            case "tok_chargeDeclined", "tok_visa_chargeDeclined":
                self.init(brand: "Visa", last4: "0002", expMonth: 12, expYear: 2034, declines: true)
            default: throw .missingReference("token", token, param: "token")
            }
            return
        }
        guard let card = try parameters.object("card") else {
            throw .invalidRequest("Missing required param: card or token.", param: "token")
        }
        let number = try card.requiredString("number").filter { $0 != " " }
        guard (12...19).contains(number.count), number.allSatisfy(\.isNumber) else {
            throw .invalidRequest("Your card number is incorrect.", param: "card[number]", code: "incorrect_number")
        }
        self.init(
            brand: number.hasPrefix("5") ? "MasterCard" : "Visa", last4: String(number.suffix(4)),
            expMonth: try card.int("exp_month", range: 1...12) ?? 12, expYear: try card.int("exp_year", range: 2000...2100) ?? 2034,
            declines: number == "4000000000000002")
    }

    init(brand: String, last4: String, expMonth: Int, expYear: Int, declines: Bool) {
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
        self.declines = declines
    }

    func json(threeDSecure: String) -> JSONValue {
        [
            "address_line1_check": nil, "address_zip_check": nil, "brand": .string(brand), "country": "US",
            "cvc_check": "pass", "dynamic_last4": nil, "exp_month": .int(expMonth), "exp_year": .int(expYear),
            "fingerprint": .string("fp\(brand.prefix(2))\(last4)"), "funding": "credit", "last4": .string(last4),
            "name": nil, "three_d_secure": .string(threeDSecure), "tokenization_method": nil,
        ]
    }
}
