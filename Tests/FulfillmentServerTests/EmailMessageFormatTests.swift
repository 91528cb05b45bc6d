import FulfillmentCore
import Foundation
import Testing

@testable import FulfillmentServer

@Suite("Email message format")
struct EmailMessageFormatTests {
    @Test func everyLineEndsInCRLFWhateverTheBodyUsed() {
        #expect(MessageFormat.crlfLines("a\nb\r\nc\rd\n") == "a\r\nb\r\nc\rd\r\n")
        #expect(MessageFormat.crlfLines("\n\n") == "\r\n\r\n")
        #expect(MessageFormat.crlfLines("Señor café ✓\n") == "Señor café ✓\r\n")
        #expect(MessageFormat.crlfLines("") == "")
    }

    @Test func theFolderTransportMakesAMissingFolderAndOverwritesARetriedSend() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eml-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("nested/emails")
        let transport = EMLFolderTransport(folder: folder, from: "shop@example.com")
        let email = QueuedEmail(
            id: 1, email: OutboundEmail(dedupeKey: "receipt:cs_test_1", recipient: "jenny@example.com", subject: "Receipt", body: "Line 1\nLine 2"), attempts: 0,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        try await transport.send(email)
        try await transport.send(email)

        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["receipt_cs_test_1.eml"])
        let text = try String(contentsOf: folder.appendingPathComponent("receipt_cs_test_1.eml"), encoding: .utf8)
        #expect(text.contains("Message-ID: <receipt.cs_test_1@stripe-fulfillment>\r\n"))
        #expect(text.hasSuffix("\r\n\r\nLine 1\r\nLine 2"))
    }
}
