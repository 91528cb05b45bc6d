import Foundation
import StripeAPI
import Testing

@Suite struct WebhookSignatureTests {
    let payload = Data(#"{"id":"evt_1","object":"event","type":"checkout.session.completed"}"#.utf8)
    let secret = "whsec_test_secret"
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    var nowSeconds: Int { 1_700_000_000 }

    @Test func acceptsAGoodSignature() throws {
        let header = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds)
        let parsed = try WebhookSignature(secrets: [secret]).verify(payload: payload, header: header, now: now)
        #expect(parsed.timestamp == nowSeconds)
    }

    @Test func matchesStripesReferenceComputation() {
        // HMAC-SHA256 over "<t>.<body>" keyed with the secret's UTF-8 bytes, `whsec_` prefix included.
        let signature = WebhookSignature.signature(payload: Data("hello".utf8), secret: "whsec_abc", timestamp: 1)
        // Reference value from Python: hmac.new(b"whsec_abc", b"1.hello", hashlib.sha256).hexdigest()
        #expect(signature == "14b05c3be994cb9adeb25112f36175743728aab150cace281b8713d47a6ba7c4")
    }

    @Test func rejectsATamperedBody() {
        let header = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds)
        var tampered = payload
        tampered[tampered.count - 2] = UInt8(ascii: "X")
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try WebhookSignature(secrets: [secret]).verify(payload: tampered, header: header, now: now)
        }
    }

    @Test func rejectsTheWrongSecret() {
        let header = WebhookSignature.header(payload: payload, secrets: ["whsec_other"], timestamp: nowSeconds)
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try WebhookSignature(secrets: [secret]).verify(payload: payload, header: header, now: now)
        }
    }

    @Test func rejectsAStaleTimestampButAcceptsOneWithinTolerance() throws {
        let verifier = WebhookSignature(secrets: [secret])
        let old = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds - 301)
        #expect(throws: WebhookSignatureError.staleTimestamp(ageSeconds: 301, toleranceSeconds: 300)) {
            try verifier.verify(payload: payload, header: old, now: now)
        }
        let edge = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds - 300)
        try verifier.verify(payload: payload, header: edge, now: now)
    }

    @Test func rejectsAFutureTimestampBeyondTheSkewAllowance() throws {
        let verifier = WebhookSignature(secrets: [secret], futureSkew: .seconds(30))
        let ahead = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds + 31)
        #expect(throws: WebhookSignatureError.futureTimestamp(aheadSeconds: 31, allowedSkewSeconds: 30)) {
            try verifier.verify(payload: payload, header: ahead, now: now)
        }
        let slightlyAhead = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds + 10)
        try verifier.verify(payload: payload, header: slightlyAhead, now: now)
    }

    @Test(arguments: ["t=,v1=abc", "t", ",,", "v1=abc", "t=abc,v1=abc", "t=1,t=2,v1=ab", "t=-5,v1=ab", "=1,v1=ab"])
    func rejectsMalformedHeaders(header: String) {
        #expect {
            try WebhookSignature(secrets: [secret]).verify(payload: payload, header: header, now: now)
        } throws: { error in
            guard case .malformedHeader = error as? WebhookSignatureError else { return false }
            return true
        }
    }

    @Test func rejectsAMissingOrEmptyHeader() {
        for header in [nil, ""] as [String?] {
            #expect(throws: WebhookSignatureError.missingHeader) {
                try WebhookSignature(secrets: [secret]).verify(payload: payload, header: header, now: now)
            }
        }
    }

    @Test func rejectsAHeaderWithOnlyV0() {
        let v0 = WebhookSignature.signature(payload: payload, secret: secret, timestamp: nowSeconds)
        #expect(throws: WebhookSignatureError.noV1Signature) {
            try WebhookSignature(secrets: [secret]).verify(payload: payload, header: "t=\(nowSeconds),v0=\(v0)", now: now)
        }
    }

    @Test func ignoresV0AndUnknownSchemesBesideAValidV1() throws {
        let v1 = WebhookSignature.signature(payload: payload, secret: secret, timestamp: nowSeconds)
        let header = "t=\(nowSeconds),v0=deadbeef,v9=zz,v1=\(v1)"
        try WebhookSignature(secrets: [secret]).verify(payload: payload, header: header, now: now)
    }

    @Test func acceptsAnyV1DuringRotationUnderAnyConfiguredSecret() throws {
        // Stripe sends one v1 per active secret; the receiver may hold the old or the new one.
        let header = WebhookSignature.header(payload: payload, secrets: ["whsec_new", "whsec_old"], timestamp: nowSeconds)
        #expect(header.components(separatedBy: "v1=").count == 3)
        try WebhookSignature(secrets: ["whsec_old"]).verify(payload: payload, header: header, now: now)
        try WebhookSignature(secrets: ["whsec_new"]).verify(payload: payload, header: header, now: now)
        // A receiver configured with both secrets accepts a delivery signed with only one of them.
        let oldOnly = WebhookSignature.header(payload: payload, secrets: ["whsec_old"], timestamp: nowSeconds)
        try WebhookSignature(secrets: ["whsec_new", "whsec_old"]).verify(payload: payload, header: oldOnly, now: now)
    }

    @Test func treatsNonHexSignaturesAsMismatches() {
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try WebhookSignature(secrets: [secret]).verify(
                payload: payload, header: "t=\(nowSeconds),v1=not-hex-at-all", now: now)
        }
    }

    @Test func refusesToVerifyWithoutSecrets() {
        let header = WebhookSignature.header(payload: payload, secrets: [secret], timestamp: nowSeconds)
        #expect(throws: WebhookSignatureError.noSecretsConfigured) {
            try WebhookSignature(secrets: []).verify(payload: payload, header: header, now: now)
        }
    }
}
