import React from 'react';
import {Box, Text} from 'ink';
import type {DiagramHop, DiagramItem, DiagramPart, LandscapeModel, PartStatus} from '../flows/diagram.js';

/**
 * Draws the landscape model with box-drawing characters: sender → load balancer → Cloud
 * Integration on one row, the service instance below the runtime, a caption on top. At most 11
 * lines, so the live area stays small. The statuses come from flows/diagram.ts; this file only
 * places them.
 */

export interface Segment {
  text: string;
  status?: PartStatus;
  dim?: boolean;
  bold?: boolean;
}
export type DiagramLine = Segment[];

const STATUS_MARK: Record<PartStatus, string> = {ok: '✔', failed: '✖', pending: '○', unknown: '?'};
const STATUS_COLOR: Record<PartStatus, string> = {ok: 'green', failed: 'red', pending: 'gray', unknown: 'yellow'};

/** Widest drawing; wider terminals get the same picture (a projector reads it better). */
const MAX_WIDTH = 100;
/** Below this the three boxes get too narrow to read: one line per part instead. */
const MIN_BOXES_WIDTH = 72;
const ROW_A_HEIGHT = 6;
const ROW_B_HEIGHT = 4;

export function lineText(line: DiagramLine): string {
  return line.map(segment => segment.text).join('');
}

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

function lineWidth(line: DiagramLine): number {
  return Array.from(lineText(line)).length;
}

function itemLine(item: DiagramItem, width: number): DiagramLine {
  return [
    {text: STATUS_MARK[item.status], status: item.status},
    {text: ' ' + fit(item.text, width - 2), status: item.status === 'failed' ? 'failed' : undefined, dim: item.status === 'pending'},
  ];
}

/** A rounded box with the part's mark and title in the top border; `tee` puts ┬ in the bottom border. */
function drawBox(part: DiagramPart, width: number, height: number, options: {tee?: {at: number; status: PartStatus}; upTee?: {at: number; status: PartStatus}} = {}): DiagramLine[] {
  const border = {status: part.status === 'pending' ? undefined : part.status, dim: part.status === 'pending'};
  const inner = width - 4;
  const topLimit = options.upTee ? options.upTee.at - 2 : width - 2;
  const titleRoom = Math.max(1, topLimit - 5);
  const title = fit(Array.from(part.title).length <= titleRoom ? part.title : part.shortTitle, titleRoom).trimEnd();
  let top: DiagramLine = [
    {text: '╭─ ', ...border},
    {text: STATUS_MARK[part.status], status: part.status},
    {text: ' ' + title + ' ', status: part.status === 'failed' ? 'failed' : undefined, bold: true},
  ];
  const used = lineWidth(top);
  if (options.upTee && options.upTee.at > used) {
    top = [...top, {text: '─'.repeat(options.upTee.at - used), ...border}, {text: '┴', status: options.upTee.status}, {text: '─'.repeat(Math.max(0, width - options.upTee.at - 2)) + '╮', ...border}];
  } else {
    top = [...top, {text: '─'.repeat(Math.max(0, width - used - 1)) + '╮', ...border}];
  }
  const lines: DiagramLine[] = [top];
  for (let i = 0; i < height - 2; i++) {
    const item = part.items[i];
    lines.push([{text: '│ ', ...border}, ...(item ? itemLine(item, inner) : [{text: ' '.repeat(inner)}]), {text: ' │', ...border}]);
  }
  if (options.tee) {
    const at = options.tee.at;
    lines.push([{text: '╰' + '─'.repeat(at - 1), ...border}, {text: '┬', status: options.tee.status}, {text: '─'.repeat(width - at - 2) + '╯', ...border}]);
  } else {
    lines.push([{text: '╰' + '─'.repeat(width - 2) + '╯', ...border}]);
  }
  return lines;
}

function arrow(hop: DiagramHop, width: number, direction: 'right' | 'left'): DiagramLine {
  const shaft = width - 3;
  const body = hop.status === 'failed' ? '─'.repeat(Math.floor((shaft - 1) / 2)) + '✖' + '─'.repeat(Math.ceil((shaft - 1) / 2)) : '─'.repeat(shaft);
  const text = direction === 'right' ? ` ${body}▶ ` : ` ◀${body} `;
  return [{text, status: hop.status === 'pending' ? undefined : hop.status, dim: hop.status === 'pending'}];
}

function label(text: string, width: number): DiagramLine {
  const shown = Array.from(text).slice(0, Math.max(0, width - 1));
  const left = Math.floor((width - shown.length) / 2);
  return [{text: ' '.repeat(left) + shown.join('') + ' '.repeat(width - left - shown.length), dim: true}];
}

function blank(width: number): DiagramLine {
  return [{text: ' '.repeat(width)}];
}

function connector(width: number, forward: DiagramHop, back?: DiagramHop): DiagramLine[] {
  return [
    blank(width),
    label(forward.label, width),
    arrow(forward, width, 'right'),
    back ? arrow(back, width, 'left') : blank(width),
    back ? label(back.label, width) : blank(width),
    blank(width),
  ];
}

function legend(width: number): DiagramLine[] {
  const entry = (status: PartStatus, text: string): DiagramLine => [{text: STATUS_MARK[status], status}, {text: ` ${text}  `, dim: true}];
  const fitted = (line: DiagramLine): DiagramLine =>
    lineWidth(line) <= width ? [...line, {text: ' '.repeat(width - lineWidth(line))}] : blank(width);
  return [blank(width), fitted([...entry('ok', 'ok'), ...entry('failed', 'failed')]), fitted([...entry('pending', 'not yet'), ...entry('unknown', 'unknown')]), blank(width)];
}

function caption(model: LandscapeModel, width: number): DiagramLine {
  const {status, text} = model.caption;
  return [{text: STATUS_MARK[status], status}, {text: ' ' + fit(text, width - 2).trimEnd(), status: status === 'failed' ? 'failed' : undefined, bold: status === 'failed'}];
}

/** One line per part, for terminals too narrow for boxes. */
function compactLayout(model: LandscapeModel, width: number): DiagramLine[] {
  const lines: DiagramLine[] = [caption(model, width)];
  for (const part of Object.values(model.parts)) {
    const line: DiagramLine = [{text: STATUS_MARK[part.status], status: part.status}, {text: ` ${part.title}:`, bold: true}];
    for (const item of part.items) line.push({text: ' '}, {text: STATUS_MARK[item.status], status: item.status}, {text: ` ${item.text}`});
    lines.push(truncateLine(line, width));
  }
  return lines;
}

function truncateLine(line: DiagramLine, width: number): DiagramLine {
  const out: DiagramLine = [];
  let room = width;
  for (const segment of line) {
    const chars = Array.from(segment.text);
    if (chars.length <= room) {
      out.push(segment);
      room -= chars.length;
      continue;
    }
    if (room > 0) out.push({...segment, text: chars.slice(0, room - 1).join('') + '…'});
    break;
  }
  return out;
}

/**
 * The drawing as lines of coloured segments, each line at most `columns` wide: boxes (11 lines)
 * or, when `compact` or too narrow for boxes, one line per part (5 lines).
 */
export function layoutLandscape(model: LandscapeModel, columns: number, compact = false): DiagramLine[] {
  const width = Math.min(columns, MAX_WIDTH);
  if (compact || width < MIN_BOXES_WIDTH) return compactLayout(model, width);
  const gap = width >= 96 ? 10 : 7;
  const boxes = width - 2 * gap;
  const b1 = Math.floor(boxes / 3);
  const b2 = Math.floor(boxes / 3);
  const b3 = boxes - b1 - b2;
  const {sender, runtime, instance} = model.parts;
  const teeAt = Math.floor(b3 / 2);
  const rowA = [
    drawBox(sender, b1, ROW_A_HEIGHT),
    connector(gap, model.hops.toLoadBalancer, model.hops.serverChain),
    drawBox(model.parts['load-balancer'], b2, ROW_A_HEIGHT),
    connector(gap, model.hops.toRuntime),
    drawBox(runtime, b3, ROW_A_HEIGHT, {tee: {at: teeAt, status: model.hops.toInstance.status}}),
  ];
  const leftWidth = b1 + gap;
  const rowB = [legend(leftWidth), drawBox(instance, width - leftWidth, ROW_B_HEIGHT, {upTee: {at: b2 + gap + teeAt, status: model.hops.toInstance.status}})];
  const join = (columnsOfLines: DiagramLine[][], height: number): DiagramLine[] => Array.from({length: height}, (_, row) => columnsOfLines.flatMap(lines => lines[row]));
  return [caption(model, width), ...join(rowA, ROW_A_HEIGHT), ...join(rowB, ROW_B_HEIGHT)];
}

function SegmentText({segment}: {segment: Segment}): React.ReactElement {
  const color = segment.status && segment.status !== 'pending' ? STATUS_COLOR[segment.status] : undefined;
  return (
    <Text color={color} dimColor={segment.dim || segment.status === 'pending'} bold={segment.bold}>
      {segment.text}
    </Text>
  );
}

/** Memoised: a new frame of the spinner elsewhere must not rebuild the drawing. */
export const LandscapeDiagram = React.memo(function LandscapeDiagram({model, columns, compact = false}: {model: LandscapeModel; columns: number; compact?: boolean}): React.ReactElement {
  const lines = layoutLandscape(model, columns, compact);
  return (
    <Box flexDirection="column">
      {lines.map((line, row) => (
        <Text key={row} wrap="truncate-end">
          {line.map((segment, index) => (
            <SegmentText key={index} segment={segment} />
          ))}
        </Text>
      ))}
    </Box>
  );
});
