package dev.weft.service.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how far {@code users import} is, on stderr: a redrawn bar (rows done of the total, %, rows/s, ETA) on a
 * terminal, a plain line at most every {@link #PLAIN_INTERVAL} otherwise (a log file gets no carriage returns).
 * Not thread-safe: the importing thread calls it.
 */
interface ImportProgress extends AutoCloseable {
    /** How often the plain form prints a line. */
    Duration PLAIN_INTERVAL = Duration.ofSeconds(10);

    /**
     * @param done rows handled so far, imported or rejected
     * @param rejected rows rejected so far (those the database refused are counted as their chunk is inserted)
     */
    void update(long done, long rejected);

    /** Stops redrawing; the summary line follows. */
    @Override
    void close();

    /**
     * @param total the rows in the file
     * @param err stderr
     * @param terminal whether stderr is a terminal
     * @return the bar on a terminal, else plain lines
     */
    static ImportProgress create(long total, PrintStream err, boolean terminal) {
        return terminal ? new Bar(total, err) : new Plain(total, err, System::nanoTime);
    }

    /** me.tongfei:progressbar, redrawn on one line. */
    final class Bar implements ImportProgress {
        private final ProgressBar bar;

        Bar(long total, PrintStream err) {
            // the consumer asks jline for the terminal's width; stderr is one here
            bar = new ProgressBarBuilder().setTaskName("import").setInitialMax(total).setUnit(" rows", 1)
                    .showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(err)).setUpdateIntervalMillis(250).build();
        }

        @Override
        public void update(long done, long rejected) {
            bar.stepTo(done);
            if (rejected > 0) {
                bar.setExtraMessage(rejected + " rejected");
            }
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** A line now and then, for a log file or a pipe. */
    final class Plain implements ImportProgress {
        private final long total;
        private final PrintStream err;
        private final LongSupplier nanoTime;
        private final long started;
        private long lastLine;

        Plain(long total, PrintStream err, LongSupplier nanoTime) {
            this.total = total;
            this.err = err;
            this.nanoTime = nanoTime;
            this.started = nanoTime.getAsLong();
            this.lastLine = started;
        }

        @Override
        public void update(long done, long rejected) {
            long now = nanoTime.getAsLong();
            if (now - lastLine < PLAIN_INTERVAL.toNanos() || done >= total) {
                return;
            }
            lastLine = now;
            double seconds = (now - started) / 1e9;
            double rate = done / seconds;
            long left = rate > 0 ? Math.round((total - done) / rate) : 0;
            // not "imported": the rows read so far include the rejected ones, which this line said were imported (a
            // re-run of a file already imported said "imported 38000 of 50000 rows", then "imported 0, rejected 50000")
            err.printf(Locale.ROOT, "weft: read %d of %d rows (%d %%, %d rejected so far), %.0f rows/s, about %s"
                    + " left%n", done, total, total == 0 ? 100 : done * 100 / total, rejected, rate,
                    Duration.ofSeconds(left).toString().substring(2).toLowerCase(Locale.ROOT));
        }

        @Override
        public void close() {
        }
    }
}
