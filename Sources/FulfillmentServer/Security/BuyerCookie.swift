import Crypto
import Foundation
import Hummingbird
import StripeAPI

/// The signed cookie that shows a purchase's personal details (the customer's email, the shipping address,
/// the access links) to its buyer's browser only. The landing page sets it on the first visit after Stripe's
/// redirect (the store's one-time claim, `DoorKeeping.claimBuyerView`); without it, pages and the status
/// JSON show where the purchase stands and nothing personal. Its value is an expiry and an HMAC-SHA256 of the
/// purchase's id and that expiry, under a key derived (HKDF) from the Stripe secret key, which every instance
/// of a shop shares and nobody outside it knows. One cookie per purchase, named after a hash of its id.
struct BuyerCookie: Sendable {
    private let key: SymmetricKey
    let lifetime: TimeInterval

    init(secret: String, lifetime: Duration) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("stripe-fulfillment buyer cookie v1".utf8),
            outputByteCount: 32)
        self.lifetime = max(lifetime.seconds, 60)
    }

    static func name(for subjectID: String) -> String {
        "fulfill_buyer_" + HexDigit.lowercase(SHA256.hash(data: Data(subjectID.utf8)).prefix(8))
    }

    /// The cookie for `subjectID`, valid for `lifetime` from `now`. `Lax`: it is set on the top-level
    /// navigation back from Stripe and sent on the buyer's own visits.
    func cookie(for subjectID: String, now: Date, secure: Bool) -> Cookie {
        let expires = Int(now.timeIntervalSince1970 + lifetime)
        return Cookie(
            name: Self.name(for: subjectID), value: "\(expires).\(signature(subjectID, expires))", maxAge: Int(lifetime), path: "/",
            secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Whether `cookies` carry a valid, unexpired cookie for `subjectID`.
    func admits(_ cookies: Cookies, subjectID: String, now: Date) -> Bool {
        guard let value = cookies[Self.name(for: subjectID)]?.value else { return false }
        let parts = value.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let expires = Int(parts[0]), Double(expires) > now.timeIntervalSince1970,
            let mac = HexDigit.bytes(fromHex: parts[1]), mac.count == 32
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(message(subjectID, expires).utf8), using: key)
    }

    private func signature(_ subjectID: String, _ expires: Int) -> String {
        HexDigit.lowercase(HMAC<SHA256>.authenticationCode(for: Data(message(subjectID, expires).utf8), using: key))
    }

    private func message(_ subjectID: String, _ expires: Int) -> String { "\(subjectID)\n\(expires)" }
}
