import { defineQuery } from '@temporalio/workflow';
import { PROGRESS_QUERY, type Progress } from '../shared/contracts';

export const progressQuery = defineQuery<Progress>(PROGRESS_QUERY);
