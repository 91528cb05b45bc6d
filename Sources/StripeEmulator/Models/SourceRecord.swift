import StripeAPI

/// A source as the emulator stores it, with its state machine:
/// `pending -> chargeable -> consumed`, `pending -> failed`, `pending | chargeable -> canceled`.
struct SourceRecord: Sendable {
    enum Status: String, Sendable { case pending, chargeable, consumed, failed, canceled }

    /// What a charge on this source will do.
    enum ChargeBehaviour: Sendable, Equatable {
        case succeeds
        case declines
        /// Pending first, settling later (SEPA debit, SOFORT).
        case delayed(succeeds: Bool)
    }

    var id: String
    var created: Int
    var type: String
    var usage: String
    var flow: String
    var status: Status
    var amount: Int?
    var currency: String?
    var clientSecret: String
    var ownerEmail: String?
    var ownerName: String?
    var returnURL: String?
    var redirectURL: String?
    var redirectStatus: String?
    var redirectFailureReason: String?
    var metadata: [String: String]
    var customerID: String?
    var statementDescriptor: String?
    /// The type-specific sub-object (`card`, `sepa_debit`, `ideal`, ...).
    var typeDetails: JSONValue
    var chargeBehaviour: ChargeBehaviour

    var isSingleUse: Bool { usage == "single_use" }

    /// The customer authorised the payment on the redirect page.
    mutating func authorize() throws(APIError) -> String {
        guard status == .pending else { throw notPending() }
        status = .chargeable
        redirectStatus = "succeeded"
        return "source.chargeable"
    }

    /// The customer (or their bank) refused.
    mutating func fail() throws(APIError) -> String {
        guard status == .pending else { throw notPending() }
        status = .failed
        redirectStatus = "failed"
        redirectFailureReason = "user_abort"
        return "source.failed"
    }

    /// The source can no longer be used: canceled on the page, or expired unused.
    mutating func cancel() throws(APIError) -> String {
        guard status == .pending || status == .chargeable else {
            throw .invalidRequest("The source \(id) is \(status.rawValue) and cannot be canceled.", code: "source_unavailable")
        }
        status = .canceled
        if redirectStatus == "pending" { redirectStatus = "failed" }
        return "source.canceled"
    }

    /// A charge used the source: single-use sources, and reusable ones not kept by a customer, are consumed.
    mutating func consume() {
        if isSingleUse || customerID == nil { status = .consumed }
    }

    /// Whether the source expires unused at `now`.
    func isExpired(at now: Int, expiry: Int) -> Bool {
        guard now >= created + expiry else { return false }
        return status == .pending || (status == .chargeable && isSingleUse && customerID == nil)
    }

    private func notPending() -> APIError {
        .invalidRequest("The source \(id) is \(status.rawValue), not pending.", code: "source_unavailable")
    }

    var json: JSONValue {
        var json: JSONValue = [
            "id": .string(id), "object": "source", "amount": .int(amount), "client_secret": .string(clientSecret),
            "created": .int(created), "currency": .string(currency), "flow": .string(flow), "livemode": false,
            "metadata": .stringMap(metadata),
            "owner": [
                "address": nil, "email": .string(ownerEmail), "name": .string(ownerName), "phone": nil,
                "verified_address": nil, "verified_email": nil, "verified_name": nil, "verified_phone": nil,
            ],
            "statement_descriptor": .string(statementDescriptor), "status": .string(status.rawValue),
            "type": .string(type), "usage": .string(usage),
        ]
        json[type] = typeDetails
        if let customerID { json["customer"] = .string(customerID) }
        if flow == "redirect", let returnURL, let redirectURL {
            json["redirect"] = [
                "failure_reason": .string(redirectFailureReason), "return_url": .string(returnURL),
                "status": .string(redirectStatus ?? "pending"), "url": .string(redirectURL),
            ]
        }
        return json
    }
}
