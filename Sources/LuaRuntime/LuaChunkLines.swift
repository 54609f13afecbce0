/// Reads the executable lines of every function prototype in a Lua 5.4 binary chunk (as
/// produced by `lua_dump`, unstripped): the same lines `lua_getinfo(L, ">L")` reports per
/// function, but for nested functions too, without running anything.
struct LuaChunkLines {
    private let bytes: [UInt8]
    private var offset = 0
    private var lines: Set<Int> = []

    static func parse(_ bytes: [UInt8]) throws(LuaError) -> Set<Int> {
        var reader = LuaChunkLines(bytes: bytes)
        do {
            try reader.skip(31 + 1)  // header (signature, version, format, data, sizes, checks) + upvalue count
            try reader.function()
        } catch {
            throw LuaError(.runtime, "cannot read compiled chunk")
        }
        return reader.lines
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private struct Truncated: Error {}

    private mutating func byte() throws(Truncated) -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func skip(_ count: Int) throws(Truncated) {
        guard count >= 0, offset + count <= bytes.count else { throw Truncated() }
        offset += count
    }

    /// ldump.c's dumpSize: 7-bit groups, most significant first, the last one flagged 0x80.
    private mutating func size() throws(Truncated) -> Int {
        var value = 0
        while true {
            let b = try byte()
            value = (value << 7) | Int(b & 0x7f)
            if b & 0x80 != 0 { return value }
            guard value < (1 << 40) else { throw Truncated() }
        }
    }

    private mutating func string() throws(Truncated) {
        let count = try size()
        if count > 0 { try skip(count - 1) }
    }

    private mutating func function() throws(Truncated) {
        try string()  // source
        let lineDefined = try size()
        _ = try size()  // lastlinedefined
        _ = try byte()  // numparams
        let isVararg = try byte() != 0
        _ = try byte()  // maxstacksize
        let codeCount = try size()
        try skip(codeCount * 4)
        for _ in 0..<(try size()) {  // constants
            switch try byte() {
            case 3, 19: try skip(8)  // integer, float
            case 4, 20: try string()  // short, long string
            default: break  // nil, false, true
            }
        }
        try skip(try size() * 3)  // upvalues: instack, idx, kind
        for _ in 0..<(try size()) { try function() }
        let lineInfoCount = try size()
        let lineInfoStart = offset
        try skip(lineInfoCount)
        var absolute: [Int: Int] = [:]
        for _ in 0..<(try size()) {
            let pc = try size()
            absolute[pc] = try size()
        }
        for _ in 0..<(try size()) { try string(); _ = try size(); _ = try size() }  // locals
        for _ in 0..<(try size()) { try string() }  // upvalue names
        // ldebug.c collectvalidlines: walk deltas; skip OP_VARARGPREP of vararg functions.
        var line = lineDefined
        for pc in 0..<lineInfoCount {
            let delta = Int8(bitPattern: bytes[lineInfoStart + pc])
            line = delta == -128 ? (absolute[pc] ?? line) : line + Int(delta)
            if pc > 0 || !isVararg { lines.insert(line) }
        }
    }
}
