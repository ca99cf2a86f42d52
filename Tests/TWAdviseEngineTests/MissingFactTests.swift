import Foundation
import Testing
import TWAdviseEngine

/// A missing fact says what would supply it from what the embedder told, never from the shape of a string.
@Suite("Missing facts")
struct MissingFactTests {
    @Test("where a host reads it; an input to give; an input given that lacks it; several at once")
    func descriptions() {
        #expect(MissingFact(path: "a", sources: []).description == "a")
        #expect(MissingFact(path: "a", sources: ["proc/net/tcp", "proc/net/tcp6"]).description == "a (from proc/net/tcp, proc/net/tcp6)")
        #expect(MissingFact(path: "a", sources: ["proc/net/tcp"], hints: [.give("ss -tanp output"), .give("netstat -an output")]).description
                == "a (give ss -tanp output or netstat -an output)")
        #expect(MissingFact(path: "a", sources: ["proc/sys/x"], hints: [.notIn("the sysctl -a output s.txt")]).description
                == "a (not in the sysctl -a output s.txt)")
        #expect(MissingFact(path: "a", sources: ["proc/sys/x", "proc/net/netstat", "two readings"],
                            hints: [.notIn("the sysctl -a output s.txt"), .give("nstat -zas output"), .readFrom("two readings")]).description
                == "a (give nstat -zas output; not in the sysctl -a output s.txt; from two readings)")
    }

    @Test("JSON keeps the sources and the hints, and reads back the same value")
    func json() throws {
        let fact = MissingFact(path: "a", sources: ["proc/sys/x"], hints: [.give("sysctl -a output"), .notIn("x"), .readFrom("y")])
        let data = try JSONEncoder().encode(fact)
        #expect(String(decoding: data, as: UTF8.self).contains("\"give sysctl -a output\""))
        #expect(try JSONDecoder().decode(MissingFact.self, from: data) == fact)
        let plain = MissingFact(path: "b", sources: ["proc/net/tcp"])
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("hints"))
    }
}
