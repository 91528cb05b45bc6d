import Foundation
import FulfillmentServer
import Logging
import Synchronization
import Testing

/// `LOG_FORMAT=json`: one JSON object per line, the metadata provider's keys (the trace's ids) on every line.
@Suite struct JSONLogHandlerTests {
    @Test func eachLineIsOneJSONObjectWithTheProvidersAndTheCallsMetadata() throws {
        let lines = Mutex<[String]>([])
        let provider = Logger.MetadataProvider { ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"] }
        var logger = Logger(label: "fulfillment") { label in
            JSONLogHandler(label: label, metadataProvider: provider) { line in lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .info
        logger[metadataKey: "stripe.event.id"] = "evt_1"
        logger.info("email sent", metadata: ["email.key": "receipt:cs_1", "attempts": "\(2)", "nested": ["a": "b"]])
        logger.debug("not at this level")
        logger.warning("line \"two\"\nwith a newline")

        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().contains("\n") == false }, "one line each")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(first["message"] as? String == "email sent")
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "fulfillment")
        #expect(first["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(first["span_id"] as? String == "00f067aa0ba902b7")
        #expect(first["stripe.event.id"] as? String == "evt_1")
        #expect(first["email.key"] as? String == "receipt:cs_1")
        #expect((first["nested"] as? [String: Any])?["a"] as? String == "b")
        let time = try #require(first["time"] as? String)
        #expect(time.hasSuffix("Z") && time.contains("T") && time.contains("."), "\(time)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
        #expect(second["message"] as? String == "line \"two\"\nwith a newline")
    }
}
