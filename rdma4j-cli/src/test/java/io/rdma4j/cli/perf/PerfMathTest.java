package io.rdma4j.cli.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The numbers perf reports, and the chart it draws, from known inputs. */
class PerfMathTest {

    @Test
    void latencyColumnsFromKnownSamples() {
        long[] s = new long[1000];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1000 - i; // 1..1000, shuffled order does not matter
        }
        LatencyStats l = LatencyStats.of(s);
        assertEquals(1, l.min());
        assertEquals(1000, l.max());
        assertEquals(501, l.median());
        assertEquals(500.5, l.average(), 1e-9);
        assertEquals(990, l.p99());
        assertEquals(999, l.p999());
        assertEquals(288.67, l.stdev(), 0.01);
        LatencyStats half = l.scaled(0.5);
        assertEquals(250.25, half.average(), 1e-9);
    }

    @Test
    void bandwidthFromEvenlySpacedCompletions() {
        int n = 1000;
        long[] posted = new long[n];
        long[] completed = new long[n];
        for (int i = 0; i < n; i++) {
            posted[i] = i * 1_000L;          // one post a microsecond
            completed[i] = i * 1_000L + 500; // each done half a microsecond later
        }
        PerfResult r = PerfCommand.bwResult(1 << 20, n, posted, completed, 1);
        // 1000 MiB in 999.5 us
        double expected = 1000.0 / (999_500 / 1e9);
        assertEquals(expected, r.bwAverage(), expected * 1e-9);
        assertEquals(1000 / (999_500 / 1e9) / 1e6, r.msgRate(), 1e-9);
        assertTrue(r.bwPeak() >= r.bwAverage(), "peak " + r.bwPeak() + " below average " + r.bwAverage());
    }

    @Test
    void resultsSurviveTheWire() {
        PerfResult bw = new PerfResult(65536, 5000, 1234.5, 1200.25, 0.0192, null);
        assertEquals(bw, PerfResult.decode(bw.encode()));
        LatencyStats l = new LatencyStats(1000, 1.5, 20, 2.25, 2.5, 0.5, 4, 9);
        PerfResult lat = new PerfResult(2, 1000, 0, 0, 0, l);
        assertEquals(lat, PerfResult.decode(lat.encode()));
    }

    @Test
    void linesHavePerftestsColumns() {
        PerfResult bw = new PerfResult(65536, 5000, 1234.5, 1200.25, 0.0192, null);
        String[] f = bw.line().trim().split("\\s+");
        assertEquals(5, f.length, bw.line());
        assertEquals("65536", f[0]);
        assertEquals("1234.50", f[2]);
        assertEquals(5, PerfResult.BW_HEADER.trim().split("\\s+(?=[#A-Z])").length, PerfResult.BW_HEADER);
        LatencyStats l = new LatencyStats(1000, 1.5, 20, 2.25, 2.5, 0.5, 4, 9);
        String[] g = new PerfResult(2, 1000, 0, 0, 0, l).line().trim().split("\\s+");
        assertEquals(9, g.length);
        assertEquals("2.25", g[4]);
    }

    @Test
    void theFirstSizeWarmsTheJitWithManyCallsOfTheHotPath() {
        // bandwidth tests call the hot path once per post list: 20000 lists of 16 at 64 B
        assertEquals(320_000, PerfCommand.warmups(PerfTest.WRITE_BW, new long[] {64}, 128, 16)[0]);
        // ... at 64 KiB too: the warm-up moves small messages, so no byte budget cuts it short
        assertEquals(320_000, PerfCommand.warmups(PerfTest.WRITE_BW, new long[] {65536}, 128, 16)[0]);
        assertEquals(256, PerfCommand.warmMessage(65536));
        assertEquals(64, PerfCommand.warmMessage(64));
        // latency tests call it once per operation: 100000 of them (256 MiB of 8 B would be more)
        assertEquals(100_000, PerfCommand.warmups(PerfTest.READ_LAT, new long[] {8}, 1, 1)[0]);
        // later sizes of a sweep only refill the pipeline
        int[] sweep = PerfCommand.warmups(PerfTest.WRITE_BW, new long[] {2, 4, 8 << 20}, 128, 16);
        assertEquals(320_000, sweep[0]);
        assertEquals(256, sweep[1]);
        assertEquals(2, sweep[2]); // 16 MiB / 8 MiB
        // large messages: the byte budget decides (256 MiB / 8 MiB, then 16 MiB / 8 MiB)
        int[] big = PerfCommand.warmups(PerfTest.WRITE_LAT, new long[] {8 << 20, 8 << 20}, 1, 1);
        assertEquals(32, big[0]);
        assertEquals(2, big[1]);
    }

    @Test
    void planIsAgreedOnTheWire() {
        PerfCommand.Plan p = new PerfCommand.Plan(PerfTest.SEND_BW, new long[] {2, 4, 8}, 100, new int[] {50, 2, 2}, 16);
        PerfCommand.Plan q = PerfCommand.Plan.decode(PerfWire.decode(PerfWire.encode(p.encode())));
        assertEquals(p.test(), q.test());
        assertEquals(List.of(2L, 4L, 8L), java.util.Arrays.stream(q.sizes()).boxed().toList());
        assertEquals(154 + 200, q.totalOps());
    }

    @Test
    void chartIsWellFormedSvg() throws Exception {
        List<PerfResult> rs = new ArrayList<>();
        for (int i = 1; i <= 23; i++) {
            long size = 1L << i;
            rs.add(new PerfResult(size, 100, 100.0 * i, 90.0 * i, 1.0 / i, null));
        }
        String svg = Svg.chart("write_bw over tcp <&> \"quoted\"", rs);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getNodeName());
        assertEquals(2, d.getElementsByTagName("polyline").getLength());
        assertEquals(46, d.getElementsByTagName("circle").getLength());
    }
}
