import Foundation
import StripeAPI

/// Connect: the platform makes connected accounts (`POST /v1/accounts`); a request with `Stripe-Account`
/// (or a v2 `Stripe-Context`) then acts on one of them.
extension EmulatorState {
    func createAccount(_ call: APICall) throws(APIError) -> JSONValue {
        guard AccountScope.current.owner == nil else {
            throw .permission("A connected account cannot create accounts: make this request as the platform.")
        }
        let parameters = call.parameters
        try parameters.allowOnly(["type", "country", "email", "business_profile", "metadata", "capabilities", "controller"])
        let type = try parameters.string("type") ?? "express"
        guard ["express", "standard", "custom"].contains(type) else {
            throw .invalidRequest("Invalid type: must be one of express, standard, custom.", param: "type")
        }
        let country = try parameters.string("country") ?? "NL"
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw .invalidRequest("Invalid country: \(country.prefix(10)).", param: "country")
        }
        let account = AccountRecord(
            id: makeID("acct_", length: 16), created: nowSeconds, type: type, country: country, email: try parameters.string("email"),
            businessName: try parameters.object("business_profile")?.string("name"), metadata: try parameters.metadata())
        accounts[account.id] = account
        return account.json
    }

    func retrieveAccount(_ id: String) throws(APIError) -> JSONValue {
        let scope = AccountScope.current
        guard let account = accounts[id], scope.owner == nil || scope.owner == id else { throw .missing("account", id) }
        return account.json
    }

    func listAccounts(_ call: APICall) throws(APIError) -> JSONValue {
        guard AccountScope.current.owner == nil else { return try Page([AccountRecord](), id: \.id, parameters: call.parameters, resource: "account").json(url: "/v1/accounts") { $0.json } }
        return try Page(accounts.newestFirst, id: \.id, parameters: call.parameters, resource: "account")
            .json(url: "/v1/accounts") { $0.json }
    }

    /// Makes a connected account without the API (a test, a demo); its id.
    public func makeAccount(businessName: String) -> String {
        let account = AccountRecord(
            id: makeID("acct_", length: 16), created: nowSeconds, type: "express", country: "NL", email: nil, businessName: businessName,
            metadata: [:])
        accounts[account.id] = account
        return account.id
    }

    /// Whether `Stripe-Account` names an account this platform made.
    func knowsAccount(_ id: String) -> Bool { accounts[id] != nil }
}
