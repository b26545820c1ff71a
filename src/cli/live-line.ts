/**
 * One line on a terminal that is drawn over as work goes (`\r`, cut to the terminal's width), with
 * lines kept above it as parts finish. Only for a TTY: elsewhere callers print plain lines.
 */
export interface LiveLine {
  /** draws over the live line */
  draw(text: string): void;
  /** replaces the live line with a line that stays */
  keep(text: string): void;
  /** ends the live line where it is (it stays on screen) */
  end(): void;
}

export function liveLine(stream: NodeJS.WriteStream = process.stderr): LiveLine {
  let drawn = false;
  const fit = (text: string) => {
    // a terminal that does not tell its size says 0 columns
    const width = Math.max(20, (stream.columns > 0 ? stream.columns : 100) - 1);
    return text.slice(0, width).padEnd(width);
  };
  return {
    draw(text) {
      stream.write(`\r${fit(text)}`);
      drawn = true;
    },
    keep(text) {
      // padded to the width, so that nothing of the longer live line stays behind it
      stream.write(`${drawn ? `\r${fit(text)}` : text}\n`);
      drawn = false;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
