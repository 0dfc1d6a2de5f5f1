package io.rdma4j.tcp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.ThreadDump;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's dump on a timeout names rdma4j's threads and writes every thread, virtual ones too, to a file. */
class ThreadDumpTest {
    @Test
    void aTimeoutDumpShowsTheLibrarysThreadsAndAParkedVirtualThread(@TempDir Path dir) throws Exception {
        String old = System.setProperty(ThreadDump.DIR_PROPERTY, dir.toString());
        CountDownLatch never = new CountDownLatch(1);
        Thread parked = Thread.ofVirtual().name("dump-test-parked").start(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (RdmaContext ctx = Rdma.open(RdmaOptions.builder().provider("tcp").build())) {
            String summary = ThreadDump.take("test");
            Matcher m = Pattern.compile("every thread, virtual ones too: (\\S+)").matcher(summary);
            assertTrue(m.find(), "no dump file named in: " + summary);
            Path file = Path.of(m.group(1));
            assertTrue(file.startsWith(dir), "the dump went elsewhere than " + dir + ": " + file);
            String dump = Files.readString(file);
            assertTrue(dump.contains("dump-test-parked") && dump.contains("CountDownLatch.await"),
                    "the parked virtual thread is missing from the dump");
            assertTrue(ctx.isOpen() && summary.contains("\n  rdma4j-"), "no rdma4j thread in the summary: " + summary);
        } finally {
            parked.interrupt();
            if (old == null) {
                System.clearProperty(ThreadDump.DIR_PROPERTY);
            } else {
                System.setProperty(ThreadDump.DIR_PROPERTY, old);
            }
        }
    }
}
