package io.weft.benchmarks.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Deterministic inputs shared by the Weft and Netty sides of the codec benchmarks. */
final class Inputs {

    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he i this are or "
            + "his from at which but have an they you were her she there been one all we their has would when if so "
            + "no will more out up into do any your what some can only other time new could than its two may then "
            + "first these also about over after such like them well just where most our even made many before "
            + "must through back years much way down should because each those people state used how too little "
            + "world very still own see men work long get here between both life being under never day same another "
            + "know while last might us great old year off come since against go came right take three states "
            + "himself few house use during without again place around however home small found thought went say "
            + "part once general high upon school every does got united left number course war until always away "
            + "something fact though water less public put think almost hand enough far took head yet government "
            + "system better set told nothing night end why called didn find look asked later knew point connection "
            + "buffer socket frame request response server client latency throughput handler pipeline event loop")
            .split(" ");

    private Inputs() {
    }

    /** English-like text: a skewed choice of common words, punctuation, sentences and line breaks. */
    static byte[] text(int size, long seed) {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 64);
        int lineLength = 0;
        boolean capital = true;
        while (sb.length() < size) {
            // Skewed towards the first words, roughly like word frequencies in prose.
            int index = (int) (WORDS.length * Math.pow(random.nextDouble(), 2.5));
            String word = WORDS[index];
            if (capital) {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                capital = false;
            }
            sb.append(word);
            lineLength += word.length();
            int r = random.nextInt(100);
            if (r < 6) {
                sb.append('.');
                capital = true;
            } else if (r < 10) {
                sb.append(',');
            } else if (r < 11) {
                sb.append(' ').append(random.nextInt(10_000));
            }
            if (lineLength > 60 + random.nextInt(20)) {
                sb.append('\n');
                lineLength = 0;
            } else {
                sb.append(' ');
                lineLength++;
            }
        }
        sb.setLength(size);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code count} frames, each a 4-byte big-endian length then a body of 16 to 1,024 random bytes. */
    static byte[] lengthFramed(int count, long seed) {
        Random random = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            int length = 16 + random.nextInt(1009);
            byte[] body = new byte[length];
            random.nextBytes(body);
            out.write(length >>> 24);
            out.write(length >>> 16);
            out.write(length >>> 8);
            out.write(length);
            out.write(body, 0, length);
        }
        return out.toByteArray();
    }

    /** {@code count} lines of text, each ending in {@code \n}, 10 to 200 characters long. */
    static byte[] lines(int count, long seed) {
        Random random = new Random(seed);
        byte[] source = text(count * 220, seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        for (int i = 0; i < count; i++) {
            int length = 10 + random.nextInt(191);
            for (int j = 0; j < length; j++) {
                byte b = source[pos++];
                out.write(b == '\n' ? ' ' : b);
            }
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Cuts {@code data} into chunks of 1 to {@code maxChunk} bytes, as reads of a socket would. */
    static List<byte[]> randomSplits(byte[] data, int maxChunk, long seed) {
        Random random = new Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int n = Math.min(data.length - pos, 1 + random.nextInt(maxChunk));
            byte[] chunk = new byte[n];
            System.arraycopy(data, pos, chunk, 0, n);
            chunks.add(chunk);
            pos += n;
        }
        return chunks;
    }
}
