import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import FulfillmentServer

/// The pure parts of the guarded doors, with time passed in: throttles, budgets, trusted proxies, the
/// buyer's cookie.
@Suite struct DoorGuardTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aClientIsLockedOutAfterItsWrongAttemptsForLongerEachTimeInARow() {
        let throttle = CredentialThrottle(
            policy: .init(attemptsPerClient: 3, lockout: .seconds(60), longestLockout: .seconds(200), total: .init(burst: 100, perMinute: 100)),
            now: t0)
        for _ in 0..<2 {
            #expect(throttle.admit(client: "a", now: t0) == .admitted)
            #expect(throttle.failed(client: "a", now: t0) == nil)
        }
        #expect(throttle.admit(client: "a", now: t0) == .admitted)
        #expect(throttle.failed(client: "a", now: t0) == .init(client: "a", seconds: 60, wrongAttempts: 3))
        #expect(throttle.admit(client: "a", now: t0.addingTimeInterval(10)) == .refused(retryAfter: 50, reason: .lockedOut))
        #expect(throttle.admit(client: "b", now: t0.addingTimeInterval(10)) == .admitted, "another client is not locked out")
        // After the lockout: three more tries, then twice as long; then capped.
        let later = t0.addingTimeInterval(61)
        for _ in 0..<3 {
            #expect(throttle.admit(client: "a", now: later) == .admitted)
            _ = throttle.failed(client: "a", now: later)
        }
        #expect(throttle.admit(client: "a", now: later) == .refused(retryAfter: 120, reason: .lockedOut))
        let muchLater = later.addingTimeInterval(121)
        for _ in 0..<3 {
            #expect(throttle.admit(client: "a", now: muchLater) == .admitted)
            _ = throttle.failed(client: "a", now: muchLater)
        }
        #expect(throttle.admit(client: "a", now: muchLater) == .refused(retryAfter: 200, reason: .lockedOut), "capped at the longest lockout")
    }

    @Test func attemptsInFlightCountSoConcurrentGuessesCannotOverrunTheLimit() {
        let throttle = CredentialThrottle(policy: .init(attemptsPerClient: 3, total: .init(burst: 100, perMinute: 100)), now: t0)
        let admitted = (0..<20).filter { _ in throttle.admit(client: "a", now: t0) == .admitted }.count
        #expect(admitted == 3)
        throttle.succeeded(client: "a", now: t0)
        #expect(throttle.admit(client: "a", now: t0) == .admitted, "a right attempt clears the client's record")
        throttle.withdraw(client: "a", now: t0)
        #expect((0..<5).filter { _ in throttle.admit(client: "a", now: t0) == .admitted }.count == 3, "a withdrawn attempt cost nothing")
    }

    @Test func theDoorsTotalBudgetHoldsAgainstManyClientsAndRefills() {
        let throttle = CredentialThrottle(policy: .init(attemptsPerClient: 5, total: .init(burst: 4, perMinute: 6)), now: t0)
        let admitted = (0..<50).filter { throttle.admit(client: "10.0.0.\($0)", now: t0) == .admitted }.count
        #expect(admitted == 4)
        #expect(throttle.admit(client: "10.0.1.1", now: t0) == .refused(retryAfter: 10, reason: .doorBusy))
        #expect(throttle.admit(client: "10.0.1.1", now: t0.addingTimeInterval(10)) == .admitted, "one every 10 s at 6 a minute")
    }

    @Test func theOrderBudgetIsPerClientAndInTotal() {
        let budget = RequestBudget(perClient: .init(burst: 2, perMinute: 2), total: .init(burst: 5, perMinute: 60), now: t0)
        #expect(budget.admit(client: "a", now: t0) == nil && budget.admit(client: "a", now: t0) == nil)
        #expect(budget.admit(client: "a", now: t0) == 30, "the client's third waits 30 s at 2 a minute")
        #expect((0..<10).filter { budget.admit(client: "c\($0)", now: t0) == nil }.count == 3, "then the total runs out")
        #expect(budget.admit(client: "new", now: t0) == 1)
    }

    @Test func onlyATrustedProxyMayNameTheClientAndTheScheme() throws {
        let proxies = try TrustedProxies(setting: "10.0.0.0/8, ::1", publicURLIsHTTPS: false)
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.9, 198.51.100.7, 10.1.2.3"
        headers[HTTPField.Name("X-Forwarded-Proto")!] = "https"
        #expect(proxies.client(peer: "10.0.0.5", headers: headers) == RequestClient(address: "198.51.100.7", https: true),
                "the nearest untrusted hop, not what the client wrote at the left")
        #expect(proxies.client(peer: "::1", headers: headers).address == "198.51.100.7")
        #expect(proxies.client(peer: "::ffff:10.0.0.5", headers: headers).address == "198.51.100.7", "IPv4 seen through IPv6")
        #expect(proxies.client(peer: "198.51.100.7", headers: headers) == RequestClient(address: "198.51.100.7", https: false),
                "a client cannot name itself someone else, nor claim https")
        headers[HTTPField.Name("X-Forwarded-For")!] = "not-an-address, 10.9.9.9"
        #expect(proxies.client(peer: "10.0.0.5", headers: headers).address == "10.9.9.9", "garbage stops the walk at the last proxy")
        #expect(try TrustedProxies(setting: "", publicURLIsHTTPS: true).client(peer: "1.2.3.4", headers: headers).https, "PUBLIC_URL https")
        #expect(throws: IPNetwork.ParseError.self) { try TrustedProxies(setting: "10.0.0.0/33", publicURLIsHTTPS: false) }
        #expect(throws: IPNetwork.ParseError.self) { try TrustedProxies(setting: "proxy.internal", publicURLIsHTTPS: false) }
    }

    @Test func theBuyersCookieOpensOnePurchaseUntilItExpires() throws {
        let cookie = BuyerCookie(secret: "sk_test_one", lifetime: .seconds(3600))
        let set = cookie.cookie(for: "cs_test_a", now: t0, secure: true)
        #expect(set.httpOnly && set.secure && set.path == "/")
        func jar(_ value: String, name: String = set.name) -> Cookies {
            var headers = HTTPFields()
            headers[.cookie] = "\(name)=\(value)"
            return Request(head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/", headerFields: headers), body: .init(buffer: .init())).cookies
        }
        #expect(cookie.admits(jar(set.value), subjectID: "cs_test_a", now: t0.addingTimeInterval(3599)))
        #expect(!cookie.admits(jar(set.value), subjectID: "cs_test_a", now: t0.addingTimeInterval(3600)), "expired")
        #expect(!cookie.admits(jar(set.value, name: BuyerCookie.name(for: "cs_test_b")), subjectID: "cs_test_b", now: t0), "another purchase")
        let expires = set.value.split(separator: ".")[0]
        #expect(!cookie.admits(jar("\(Int(expires)! + 86400).\(set.value.split(separator: ".")[1])"), subjectID: "cs_test_a", now: t0), "a longer expiry breaks the signature")
        #expect(!BuyerCookie(secret: "sk_test_other", lifetime: .seconds(3600)).admits(jar(set.value), subjectID: "cs_test_a", now: t0), "another shop's key")
    }
}
